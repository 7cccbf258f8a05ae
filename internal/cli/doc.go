// Package cli assembles kubectl-kale's cobra command tree (NewRootCmd).
//
// The command line is built in layers, not siblings:
//
//   - internal/cli (this package) assembles the commands; nothing imports it
//     but cmd/kubectl-kale and tests.
//   - internal/cli/commands/NAME is one command (compile, graph, inject,
//     legacy, run, runs, submit, validate, version): an Options struct with
//     Complete(cmd, args), Validate() and Run(ctx), wired to cobra by
//     clioptions.RunE. A command package never imports another command
//     package; what two commands share is a helper.
//   - every other package under internal/cli is a helper that commands
//     import: clioptions (streams, exit codes, -o and --out-file), nbload
//     (reading and compiling notebooks, diagnostics), buildflags (metadata
//     overrides and --param), kfpflags (KFP connection and submission
//     flags), deliver (submit, follow, run parameters). Helpers never import
//     a command package or this one.
//
// The rule is where a package lives: under commands/ it is a command,
// elsewhere under internal/cli a helper. layers_test.go checks it with
// `go list -json -deps`, so a new package is classified by its folder.
//
// Each flag is registered by one function, and kubectl's cluster flags
// (--kubeconfig, --context, -n, ...) only by the commands that talk to a
// cluster: run, runs and submit.
package cli
