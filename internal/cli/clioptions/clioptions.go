// Package clioptions holds what every kubectl-kale command shares: the IO
// streams and kubeconfig flags (Global), exit codes (ExitError), the one way
// a command's options struct is wired to cobra (RunE), and the -o/--output
// flag (Output). It sits below every other package of the CLI.
package clioptions

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// Global is handed to every command constructor.
type Global struct {
	// ConfigFlags are kubectl's --kubeconfig, --context, -n ... flags.
	// Only commands that talk to a cluster register them (AddClusterFlags);
	// the others still read the kubeconfig through them where needed.
	ConfigFlags *genericclioptions.ConfigFlags
	IOStreams   genericiooptions.IOStreams
	// InvokedAs is the program name: "kubectl-kale" or "kale".
	InvokedAs string
}

// AddClusterFlags registers kubectl's cluster flags on cmd: persistent, so
// the subcommands of a command group (runs list...) have them too.
func (g *Global) AddClusterFlags(cmd *cobra.Command) {
	g.ConfigFlags.AddFlags(cmd.PersistentFlags())
}

// ExitError asks main to exit with Code. When Err is nil nothing more is
// printed: the command already told the user what happened (a failed run,
// validation errors).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Command is a command's options struct, as in kubectl: Complete takes the
// arguments and fills defaults, Validate rejects bad flags before any I/O,
// Run does the work.
type Command interface {
	Complete(cmd *cobra.Command, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// RunE wires cobra to o: Complete, then Validate, then Run with the
// command's context, stopping at the first error.
func RunE(o Command) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(cmd, args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(cmd.Context())
	}
}

// WriteJSON writes v as indented JSON, the form of every -o json answer.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
