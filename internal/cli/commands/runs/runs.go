// Package runs implements `kubectl kale runs list|get|watch|cancel`: the
// runs of Kubeflow Pipelines, listed, shown with their tasks, followed until
// they end, or stopped.
package runs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/deliver"
	"github.com/kubeflow-kale/kale/internal/cli/kfpflags"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

// Options holds the flags shared by the runs subcommands.
type Options struct {
	g      *clioptions.Global
	KFP    kfpflags.KFP
	Output clioptions.Output
	// Env and Watch are replaced by tests.
	Env   kfp.Env
	Watch kfp.WatchOptions

	client *kfp.Client
}

// NewCmd returns the runs command and its subcommands.
func NewCmd(g *clioptions.Global) *cobra.Command {
	return newCmd(&Options{g: g, Env: kfp.OSEnv()})
}

func newCmd(o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List, show, follow and cancel Kubeflow Pipelines runs",
		Example: `  kubectl kale runs list
  kubectl kale runs get 6f1c0a52-...
  kubectl kale runs watch 6f1c0a52-...
  kubectl kale runs cancel 6f1c0a52-...`,
		GroupID: "kfp",
		Args:    cobra.NoArgs,
	}
	o.KFP.AddFlags(cmd.PersistentFlags())
	o.Output.AddFlags(cmd.PersistentFlags(), "text", "json")
	// -n and the kubeconfig name the namespace of multi-user KFP.
	o.g.AddClusterFlags(cmd)
	cmd.AddCommand(
		subcommand(&listOptions{Options: o, limit: 20}, o.listCmd),
		subcommand(&idOptions{Options: o, do: o.get}, o.getCmd),
		subcommand(&idOptions{Options: o, do: o.watch}, o.watchCmd),
		subcommand(&idOptions{Options: o, do: o.cancel}, o.cancelCmd),
	)
	for _, sub := range cmd.Commands() {
		if sub.Name() != "list" {
			sub.ValidArgsFunction = o.completeRunIDs
		}
	}
	return cmd
}

// completeRunIDs offers the ids of the newest runs (with their names as
// descriptions) for `kubectl kale runs get <TAB>`; any failure to reach
// KFP just offers nothing.
func (o *Options) completeRunIDs(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, _, err := o.KFP.Client(o.Env, io.Discard)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
	defer cancel()
	lo := kfp.ListOptions{PageSize: 50, SortBy: "created_at desc"}
	if ns, err := o.KFP.ResolveNamespace(o.g.ConfigFlags, o.Env.Getenv); err == nil {
		lo.Namespace = ns
	}
	list, err := c.ListRuns(ctx, lo)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ids := make([]string, 0, len(list.Runs))
	for _, r := range list.Runs {
		p := deliver.Printable(&r)
		ids = append(ids, p.ID+"\t"+p.DisplayName)
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}

// subcommand wires a subcommand's options to the command newCmd makes.
func subcommand[T clioptions.Command](o T, newCmd func(T) *cobra.Command) *cobra.Command {
	cmd := newCmd(o)
	cmd.RunE = clioptions.RunE(o)
	return cmd
}

// Validate checks -o.
func (o *Options) Validate() error { return o.Output.Validate() }

// connect builds the KFP client, the first thing every subcommand's Run
// does.
func (o *Options) connect() error {
	c, _, err := o.KFP.Client(o.Env, o.g.IOStreams.ErrOut)
	if err != nil {
		return err
	}
	o.client = c
	return nil
}

func (o *Options) out() io.Writer { return o.g.IOStreams.Out }

// listOptions are `runs list`'s.
type listOptions struct {
	*Options
	experiment string
	limit      int
}

// Complete takes no arguments.
func (l *listOptions) Complete(*cobra.Command, []string) error { return nil }

// Validate checks -o and --limit.
func (l *listOptions) Validate() error {
	if err := l.Options.Validate(); err != nil {
		return err
	}
	if l.limit < 1 {
		return fmt.Errorf("--limit must be at least 1")
	}
	return nil
}

// idOptions are the options of the subcommands that take a RUN_ID.
type idOptions struct {
	*Options
	id string
	do func(ctx context.Context, id string) error
}

// Complete takes the run id.
func (i *idOptions) Complete(_ *cobra.Command, args []string) error {
	i.id = args[0]
	return nil
}

// Run connects and does what the subcommand does.
func (i *idOptions) Run(ctx context.Context) error {
	if err := i.connect(); err != nil {
		return err
	}
	return i.do(ctx, i.id)
}

func (o *Options) listCmd(l *listOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List runs, newest first",
		Args:  cobra.NoArgs,
	}
	cmd.Flags().StringVar(&l.experiment, "experiment", "", "only runs of this experiment")
	cmd.Flags().IntVar(&l.limit, "limit", 20, "show at most this many runs")
	return cmd
}

// Run lists the runs.
func (l *listOptions) Run(ctx context.Context) error {
	if err := l.connect(); err != nil {
		return err
	}
	o := l.Options
	lo := kfp.ListOptions{PageSize: l.limit, SortBy: "created_at desc"}
	h, err := o.client.Health(ctx)
	if err != nil {
		return err
	}
	if h.MultiUser {
		if lo.Namespace, err = o.KFP.ResolveNamespace(o.g.ConfigFlags, o.Env.Getenv); err != nil {
			return err
		}
	}
	if l.experiment != "" {
		e, err := o.client.FindExperiment(ctx, l.experiment, lo.Namespace)
		if err != nil {
			return err
		}
		if e == nil {
			return fmt.Errorf("no experiment named %q", l.experiment)
		}
		lo.ExperimentID = e.ID
	}
	list, err := o.client.ListRuns(ctx, lo)
	if err != nil {
		return err
	}
	if o.Output.JSON() {
		return clioptions.WriteJSON(o.out(), list)
	}
	if len(list.Runs) == 0 {
		_, err := fmt.Fprintln(o.out(), "No runs found.")
		return err
	}
	tw := tabwriter.NewWriter(o.out(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN ID\tNAME\tSTATE\tCREATED\tDURATION")
	for _, r := range list.Runs {
		r := deliver.Printable(&r)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.DisplayName, r.State, r.CreatedAt.Local().Format(time.DateTime), duration(r.CreatedAt, r.FinishedAt))
	}
	if list.TotalSize > len(list.Runs) {
		fmt.Fprintf(tw, "(%d of %d runs; use --limit to see more)\n", len(list.Runs), list.TotalSize)
	}
	return tw.Flush()
}

func (o *Options) getCmd(*idOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "get RUN_ID",
		Short: "Show a run and its tasks",
		Args:  cobra.ExactArgs(1),
	}
}

func (o *Options) get(ctx context.Context, id string) error {
	r, err := o.client.GetRun(ctx, id)
	if err != nil {
		return err
	}
	if o.Output.JSON() {
		return clioptions.WriteJSON(o.out(), r)
	}
	return o.printRun(r)
}

func (o *Options) printRun(r *kfp.Run) error {
	r = deliver.Printable(r)
	tw := tabwriter.NewWriter(o.out(), 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "run:\t%s (%s)\n", r.DisplayName, r.ID)
	fmt.Fprintf(tw, "state:\t%s\n", r.State)
	fmt.Fprintf(tw, "experiment:\t%s\n", r.ExperimentID)
	fmt.Fprintf(tw, "created:\t%s\n", r.CreatedAt.Local().Format(time.DateTime))
	if !r.FinishedAt.IsZero() {
		fmt.Fprintf(tw, "finished:\t%s (%s)\n", r.FinishedAt.Local().Format(time.DateTime), duration(r.CreatedAt, r.FinishedAt))
	}
	if r.Error != nil && r.Error.Message != "" {
		fmt.Fprintf(tw, "error:\t%s\n", r.Error.Message)
	}
	fmt.Fprintf(tw, "url:\t%s\n", o.client.RunURL(r.ID))
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Tasks()) == 0 {
		return nil
	}
	fmt.Fprintln(o.out())
	tw = tabwriter.NewWriter(o.out(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tSTATE\tDURATION\tPOD")
	for _, t := range r.Tasks() {
		d := ""
		if !t.StartTime.IsZero() {
			d = duration(t.StartTime, t.EndTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.DisplayName, t.State, d, t.PodName)
	}
	return tw.Flush()
}

func (o *Options) watchCmd(*idOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "watch RUN_ID",
		Short: "Follow a run until it ends; exit 0 only when it succeeded",
		Long: `Watch polls the run (every second, backing off to ten seconds while nothing
changes) and shows each task's state: a table redrawn in place on a terminal,
one line per change otherwise (with -o json, on stderr). The exit status is 0
when the run SUCCEEDED and 2 when it ended otherwise.`,
		Args: cobra.ExactArgs(1),
	}
}

func (o *Options) watch(ctx context.Context, id string) error {
	progress := o.out()
	if o.Output.JSON() {
		progress = o.g.IOStreams.ErrOut
	}
	r, err := deliver.Follow(ctx, o.client, id, progress, !o.Output.JSON() && deliver.IsTerminal(progress), o.Watch)
	if err != nil {
		return err
	}
	if o.Output.JSON() {
		if err := clioptions.WriteJSON(o.out(), deliver.Outcome{RunID: r.ID, ExperimentID: r.ExperimentID, URL: o.client.RunURL(r.ID), State: r.State}); err != nil {
			return err
		}
	}
	return deliver.RunResult(r)
}

func (o *Options) cancelCmd(*idOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel RUN_ID",
		Short: "Stop a run",
		Args:  cobra.ExactArgs(1),
	}
}

func (o *Options) cancel(ctx context.Context, id string) error {
	terr := o.client.TerminateRun(ctx, id)
	var api *kfp.APIError
	if terr != nil && !(asAPIError(terr, &api) && api.Status == http.StatusBadRequest) {
		return terr
	}
	// KFP refuses to terminate a run that is not active: say what it is.
	r, err := o.client.GetRun(ctx, id)
	if err != nil {
		return err
	}
	if terr != nil && !(r.State.Terminal() || r.State == kfp.StateCanceling) {
		return terr
	}
	if o.Output.JSON() {
		return clioptions.WriteJSON(o.out(), map[string]any{"run_id": r.ID, "state": r.State, "canceled": terr == nil})
	}
	r = deliver.Printable(r)
	if terr != nil {
		_, err = fmt.Fprintf(o.out(), "run %s is already %s; nothing to cancel\n", r.ID, r.State)
		return err
	}
	_, err = fmt.Fprintf(o.out(), "run %s: cancel requested (now %s)\n", r.ID, r.State)
	return err
}

func duration(start, end time.Time) string {
	if start.IsZero() {
		return ""
	}
	if end.IsZero() {
		end = time.Now()
	}
	return end.Sub(start).Round(time.Second).String()
}

func asAPIError(err error, target **kfp.APIError) bool { return errors.As(err, target) }
