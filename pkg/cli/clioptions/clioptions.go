// Package clioptions holds what every kubectl-kale subcommand shares: the
// kubeconfig flags, the IO streams, output formats and exit codes. It sits
// below the subcommand packages so they can share it without import cycles.
package clioptions

import (
	"fmt"
	"slices"
	"strings"

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
