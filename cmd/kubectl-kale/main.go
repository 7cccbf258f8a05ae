// Command kubectl-kale is the kubectl plugin for Kale notebooks. Installed
// (or linked) as `kale` it is the same program, used inside notebook pods.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli"
	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/commands/legacy"
	"github.com/kubeflow-kale/kale/pkg/contract"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	invokedAs := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	root := cli.NewRootCmd(streams, invokedAs)
	if invokedAs == contract.Command && legacy.Wants(os.Args[1:]) {
		root = legacy.NewCmd(streams) // Kale's own `kale --nb NOTEBOOK ...`
	}
	root.SetArgs(os.Args[1:])
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var exit *clioptions.ExitError
	if errors.As(err, &exit) {
		if exit.Err != nil {
			fmt.Fprintln(os.Stderr, "error:", exit.Err)
		}
		return exit.Code
	}
	fmt.Fprintln(os.Stderr, "error:", err)
	return 1
}
