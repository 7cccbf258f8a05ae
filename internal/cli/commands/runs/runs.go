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

	"github.com/kubeflow-kale/kale/pkg/cli/clioptions"
	"github.com/kubeflow-kale/kale/pkg/cli/submit"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

// Options holds the flags shared by the runs subcommands.
type Options struct {
	g      *clioptions.Global
	KFP    submit.KFPFlags
	Output string
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
	cmd.PersistentFlags().StringVarP(&o.Output, "output", "o", "text", "output format: text|json")
	cmd.AddCommand(o.listCmd(), o.getCmd(), o.watchCmd(), o.cancelCmd())
	return cmd
}

// Complete builds the KFP client.
func (o *Options) Complete() error {
	c, _, err := o.KFP.Client(o.Env)
	if err != nil {
		return err
	}
	o.client = c
	return nil
}

// Validate checks -o.
func (o *Options) Validate() error { return clioptions.ValidateOutput(o.Output, "text", "json") }

// wrap runs Validate, Complete, then the subcommand.
func (o *Options) wrap(run func(ctx context.Context, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Validate(); err != nil {
			return err
		}
		if err := o.Complete(); err != nil {
			return err
		}
		return run(cmd.Context(), args)
	}
}

func (o *Options) out() io.Writer { return o.g.IOStreams.Out }

func (o *Options) listCmd() *cobra.Command {
	var experiment string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List runs, newest first",
		Args:  cobra.NoArgs,
		RunE: o.wrap(func(ctx context.Context, _ []string) error {
			if limit < 1 {
				return fmt.Errorf("--limit must be at least 1")
			}
			lo := kfp.ListOptions{PageSize: limit, SortBy: "created_at desc"}
			h, err := o.client.Health(ctx)
			if err != nil {
				return err
			}
			if h.MultiUser {
				if lo.Namespace, err = o.KFP.ResolveNamespace(o.g, o.Env.Getenv); err != nil {
					return err
				}
			}
			if experiment != "" {
				e, err := o.client.FindExperiment(ctx, experiment, lo.Namespace)
				if err != nil {
					return err
				}
				if e == nil {
					return fmt.Errorf("no experiment named %q", experiment)
				}
				lo.ExperimentID = e.ID
			}
			l, err := o.client.ListRuns(ctx, lo)
			if err != nil {
				return err
			}
			if o.Output == "json" {
				return submit.WriteJSON(o.out(), l)
			}
			if len(l.Runs) == 0 {
				_, err := fmt.Fprintln(o.out(), "No runs found.")
				return err
			}
			tw := tabwriter.NewWriter(o.out(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN ID\tNAME\tSTATE\tCREATED\tDURATION")
			for _, r := range l.Runs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.DisplayName, r.State, r.CreatedAt.Local().Format(time.DateTime), duration(r.CreatedAt, r.FinishedAt))
			}
			if l.TotalSize > len(l.Runs) {
				fmt.Fprintf(tw, "(%d of %d runs; use --limit to see more)\n", len(l.Runs), l.TotalSize)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().StringVar(&experiment, "experiment", "", "only runs of this experiment")
	cmd.Flags().IntVar(&limit, "limit", 20, "show at most this many runs")
	return cmd
}

func (o *Options) getCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get RUN_ID",
		Short: "Show a run and its tasks",
		Args:  cobra.ExactArgs(1),
		RunE: o.wrap(func(ctx context.Context, args []string) error {
			r, err := o.client.GetRun(ctx, args[0])
			if err != nil {
				return err
			}
			if o.Output == "json" {
				return submit.WriteJSON(o.out(), r)
			}
			return o.printRun(r)
		}),
	}
}

func (o *Options) printRun(r *kfp.Run) error {
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

func (o *Options) watchCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "watch RUN_ID",
		Short: "Follow a run until it ends; exit 0 only when it succeeded",
		Long: `Watch polls the run (every second, backing off to ten seconds while nothing
changes) and shows each task's state: a table redrawn in place on a terminal,
one line per change otherwise (with -o json, on stderr). The exit status is 0
when the run SUCCEEDED and 2 when it ended otherwise.`,
		Args: cobra.ExactArgs(1),
		RunE: o.wrap(func(ctx context.Context, args []string) error {
			progress := o.out()
			if o.Output == "json" {
				progress = o.g.IOStreams.ErrOut
			}
			r, err := submit.Follow(ctx, o.client, args[0], progress, o.Output != "json" && submit.IsTerminal(progress), o.Watch)
			if err != nil {
				return err
			}
			if o.Output == "json" {
				if err := submit.WriteJSON(o.out(), submit.Outcome{RunID: r.ID, ExperimentID: r.ExperimentID, URL: o.client.RunURL(r.ID), State: r.State}); err != nil {
					return err
				}
			}
			return submit.RunResult(r)
		}),
	}
}

func (o *Options) cancelCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cancel RUN_ID",
		Short: "Stop a run",
		Args:  cobra.ExactArgs(1),
		RunE: o.wrap(func(ctx context.Context, args []string) error {
			id := args[0]
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
			if o.Output == "json" {
				return submit.WriteJSON(o.out(), map[string]any{"run_id": r.ID, "state": r.State, "canceled": terr == nil})
			}
			if terr != nil {
				_, err = fmt.Fprintf(o.out(), "run %s is already %s; nothing to cancel\n", r.ID, r.State)
				return err
			}
			_, err = fmt.Fprintf(o.out(), "run %s: cancel requested (now %s)\n", r.ID, r.State)
			return err
		}),
	}
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
