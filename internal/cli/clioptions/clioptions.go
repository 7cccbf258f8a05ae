// Package clioptions holds what every kubectl-kale subcommand shares: the
// kubeconfig flags, the IO streams, output formats and exit codes. It sits
// below the subcommand packages so they can share it without import cycles.
package clioptions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// Global is handed to every subcommand constructor.
type Global struct {
	// ConfigFlags are kubectl's --kubeconfig, --context, -n ... flags.
	ConfigFlags *genericclioptions.ConfigFlags
	IOStreams   genericiooptions.IOStreams
	// InvokedAs is the program name: "kubectl-kale" or "kale".
	InvokedAs string
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

// ValidateOutput checks an -o value against the formats a command supports.
func ValidateOutput(got string, allowed ...string) error {
	if slices.Contains(allowed, got) {
		return nil
	}
	return fmt.Errorf("unsupported output format %q: use one of %s", got, strings.Join(allowed, "|"))
}

// Completer is the first half of a subcommand's options struct: Complete
// takes the arguments, Validate checks the flags before any I/O.
type Completer interface {
	Complete(cmd *cobra.Command, args []string) error
	Validate() error
}

// RunE returns a cobra RunE that calls o.Complete, then o.Validate, then
// run with the command's context, stopping at the first error.
func RunE(o Completer, run func(ctx context.Context) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(cmd, args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return run(cmd.Context())
	}
}

// ParseParams turns repeated --param NAME=VALUE flags into a map. The value
// is everything after the first "=", kept as is (it may contain "=", quotes
// or newlines); a name given twice is an error. Every problem is reported,
// one per line, in the order of the flags, or sorted when sorted is set.
func ParseParams(flags []string, sorted bool) (map[string]string, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	var errs []string
	for _, kv := range flags {
		name, value, ok := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		_, dup := out[name]
		switch {
		case !ok || name == "":
			errs = append(errs, fmt.Sprintf("--param %q: want NAME=VALUE", kv))
		case dup:
			errs = append(errs, fmt.Sprintf("--param %s: given twice", name))
		default:
			out[name] = value
		}
	}
	if len(errs) > 0 {
		if sorted {
			sort.Strings(errs)
		}
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return out, nil
}
