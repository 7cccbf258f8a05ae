// Package compile implements `kubectl kale compile NOTEBOOK`: it compiles a
// Kale notebook into Kubeflow Pipelines v2 IR and writes it as YAML (the
// layout the KFP SDK writes) or JSON (-o), to stdout or a file (--out-file).
package compile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kubeflow-kale/kale/internal/cli/buildflags"
	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/nbload"
	"github.com/kubeflow-kale/kale/internal/fileutil"
	"github.com/kubeflow-kale/kale/pkg/compiler"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Options holds the compile command's flags and arguments.
type Options struct {
	g        *clioptions.Global
	Notebook string
	// Build overrides the notebook's metadata, only where given.
	Build pipeline.Options
	// Output is -o yaml|json and --out-file (empty: stdout).
	Output clioptions.Output
	// Params are --param NAME=VALUE flags, new parameter defaults.
	Params []string

	overrides map[string]string
}

// NewCmd returns the compile command.
func NewCmd(g *clioptions.Global) *cobra.Command {
	o := &Options{g: g}
	cmd := &cobra.Command{
		Use:   "compile NOTEBOOK",
		Short: "Compile a Kale notebook into a Kubeflow Pipelines v2 pipeline (IR YAML or JSON)",
		Long: `Compile reads a notebook tagged for Kale (Kale 2.x or the v0.7 format) and
writes the Kubeflow Pipelines v2 pipeline it defines: the pipeline spec and,
when a step uses pod labels, annotations, secrets or volumes, the Kubernetes
platform spec after "---" (YAML), or {"pipeline_spec", "platform_spec"} (JSON).
Upload the YAML in the KFP UI or submit it with "kubectl kale submit".

-o is the format, as in kubectl; --out-file writes to a file instead of
stdout: a regular file is replaced atomically and keeps its mode, a symlink
is followed (the link stays), a FIFO or device is written to as it is.

Flags override the notebook's metadata only when given. Steps without an
image: tag and notebooks without base_image run on $KALE_DEFAULT_BASE_IMAGE,
else python:3.12. Warnings go to stderr; errors are printed as
NOTEBOOK: cell N: message and make the command exit with status 1.`,
		Example: `  kubectl kale compile train.ipynb > train.yaml
  kubectl kale compile train.ipynb --out-file train.yaml --param lr=0.05 --param name="it's"
  kubectl kale compile train.ipynb -o json --pipeline-name nightly --base-image python:3.11`,
		GroupID: "notebook",
		Args:    cobra.ExactArgs(1),
		RunE:    clioptions.RunE(o),
	}
	f := cmd.Flags()
	o.Output.AddFlags(f, "yaml", "json")
	o.Output.AddFileFlag(f, "the pipeline")
	buildflags.AddFlags(f, &o.Build)
	buildflags.AddDescription(f, &o.Build)
	buildflags.AddParams(f, &o.Params, buildflags.ParamDefaults)
	return cmd
}

// Complete takes the notebook argument.
func (o *Options) Complete(_ *cobra.Command, args []string) error {
	o.Notebook = args[0]
	return nil
}

// Validate checks the flags before anything is read or written.
func (o *Options) Validate() error {
	if o.Notebook == "" {
		return errors.New("a notebook path is required")
	}
	if err := o.Output.Validate(); err != nil {
		return err
	}
	overrides, err := buildflags.ParseParamMap(o.Params)
	if err != nil {
		return err
	}
	o.overrides = overrides
	if o.Output.File != "" {
		same, err := samePath(o.Output.File, o.Notebook)
		if err != nil {
			return err
		}
		if same {
			return fmt.Errorf("--%s %s is the notebook itself: choose another file", clioptions.FileFlag, o.Output.File)
		}
	}
	return nil
}

// samePath reports whether out names the same file as in (following
// symlinks; a file that does not exist yet is compared by absolute path).
func samePath(out, in string) (bool, error) {
	oi, oerr := os.Stat(out)
	ii, ierr := os.Stat(in)
	if oerr == nil && ierr == nil {
		return os.SameFile(oi, ii), nil
	}
	ao, err := filepath.Abs(out)
	if err != nil {
		return false, err
	}
	ai, err := filepath.Abs(in)
	if err != nil {
		return false, err
	}
	if r, err := filepath.EvalSymlinks(filepath.Dir(ai)); err == nil {
		ai = filepath.Join(r, filepath.Base(ai))
	}
	if r, err := filepath.EvalSymlinks(filepath.Dir(ao)); err == nil {
		ao = filepath.Join(r, filepath.Base(ao))
	}
	return ao == ai, nil
}

// Run compiles the notebook and writes the IR.
func (o *Options) Run(context.Context) error {
	data, err := nbload.Read(o.Notebook)
	if err != nil {
		return err
	}
	errOut := o.g.IOStreams.ErrOut
	p, res, err := nbload.Compile(errOut, o.Notebook, data, o.Build, compiler.Options{
		DefaultImage:   compiler.ResolveDefaultImage(""),
		ParamOverrides: o.overrides,
		NotebookName:   o.Notebook,
	})
	if err != nil {
		return err
	}

	var out []byte
	if o.Output.JSON() {
		out, err = res.JSON()
	} else {
		out, err = res.YAML()
	}
	if err != nil {
		return err
	}
	if o.Output.File == "" {
		_, err = o.g.IOStreams.Out.Write(out)
		return err
	}
	if err := fileutil.Write(o.Output.File, bytes.NewReader(out), fileutil.Options{Perm: 0o644}); err != nil {
		return err
	}
	_, err = fmt.Fprintf(errOut, "%s: wrote pipeline %s (%d steps) to %s\n", o.Notebook, p.Name, len(p.Steps), o.Output.File)
	return err
}
