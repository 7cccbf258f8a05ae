// Package compile implements `kubectl kale compile NOTEBOOK`: it compiles a
// Kale notebook into Kubeflow Pipelines v2 IR and writes it as YAML (the
// layout the KFP SDK writes) or JSON, to stdout or a file.
package compile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kubeflow-kale/kale/pkg/cli/clioptions"
	"github.com/kubeflow-kale/kale/pkg/cli/validate"
	"github.com/kubeflow-kale/kale/pkg/compiler"
	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Options holds the compile command's flags and arguments.
type Options struct {
	g *clioptions.Global
	validate.NotebookOptions
	// Format is yaml or json (-o).
	Format string
	// OutFile is where to write the IR (--output); empty means stdout.
	OutFile string
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

Flags override the notebook's metadata only when given. Steps without an
image: tag and notebooks without base_image run on $KALE_DEFAULT_BASE_IMAGE,
else python:3.12. Warnings go to stderr; errors are printed as
NOTEBOOK: cell N: message and make the command exit with status 1.`,
		Example: `  kubectl kale compile train.ipynb > train.yaml
  kubectl kale compile train.ipynb --output train.yaml --param lr=0.05 --param name="it's"
  kubectl kale compile train.ipynb -o json --pipeline-name nightly --base-image python:3.11`,
		GroupID: "notebook",
		Args:    cobra.ExactArgs(1),
		RunE:    clioptions.RunE(o, func(context.Context) error { return o.Run() }),
	}
	f := cmd.Flags()
	f.StringVarP(&o.Format, "output-format", "o", "yaml", "output format: yaml|json")
	f.StringVar(&o.OutFile, "output", "", "write the pipeline to this file instead of stdout")
	validate.AddBuildFlags(cmd, &o.Build)
	f.StringVar(&o.Build.Description, "description", "", "pipeline description (overrides the notebook's pipeline_description)")
	f.StringArrayVar(&o.Params, "param", nil, "new default for a pipeline parameter, NAME=VALUE, checked against its type (repeatable)")
	return cmd
}

// Validate checks the flags before anything is read or written.
func (o *Options) Validate() error {
	if o.Notebook == "" {
		return errors.New("a notebook path is required")
	}
	if err := clioptions.ValidateOutput(o.Format, "yaml", "json"); err != nil {
		return err
	}
	overrides, err := ParseParams(o.Params)
	if err != nil {
		return err
	}
	o.overrides = overrides
	if o.OutFile != "" {
		same, err := samePath(o.OutFile, o.Notebook)
		if err != nil {
			return err
		}
		if same {
			return fmt.Errorf("--output %s is the notebook itself: choose another file", o.OutFile)
		}
	}
	return nil
}

// ParseParams turns repeated NAME=VALUE flags into a map (see
// clioptions.ParseParams); problems are reported sorted.
func ParseParams(flags []string) (map[string]string, error) {
	return clioptions.ParseParams(flags, true)
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
func (o *Options) Run() error {
	data, err := validate.ReadNotebook(o.Notebook)
	if err != nil {
		return err
	}
	errOut := o.g.IOStreams.ErrOut
	p, res, err := Notebook(errOut, o.Notebook, data, o.Build, compiler.Options{
		DefaultImage:   compiler.ResolveDefaultImage(""),
		ParamOverrides: o.overrides,
		NotebookName:   o.Notebook,
	})
	if err != nil {
		return err
	}

	var out []byte
	if o.Format == "json" {
		out, err = res.JSON()
	} else {
		out, err = res.YAML()
	}
	if err != nil {
		return err
	}
	if o.OutFile == "" {
		_, err = o.g.IOStreams.Out.Write(out)
		return err
	}
	if err := writeFile(o.OutFile, out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(errOut, "%s: wrote pipeline %s (%d steps) to %s\n", o.Notebook, p.Name, len(p.Steps), o.OutFile)
	return err
}

// Notebook compiles a notebook (named name in diagnostics) and writes its
// warnings to errOut. When the notebook has errors they are written too,
// after the warnings, and the error is an *clioptions.ExitError with status
// 1; other errors are returned as they are. compile, run and Kale's legacy
// command line all compile through it.
func Notebook(errOut io.Writer, name string, data []byte, build pipeline.Options, co compiler.Options) (*pipeline.Pipeline, *compiler.Result, error) {
	p, res, err := compiler.CompileNotebook(name, data, build, co)
	if err != nil {
		if p != nil {
			validate.PrintDiagnostics(errOut, p.Diagnostics.Warnings())
		}
		l, ok := diag.AsList(err)
		if !ok {
			return nil, nil, err
		}
		validate.PrintDiagnostics(errOut, l)
		return nil, nil, &clioptions.ExitError{Code: 1}
	}
	validate.PrintDiagnostics(errOut, res.Warnings)
	return p, res, nil
}

// writeFile replaces path atomically: a reader never sees half a pipeline.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, bytes.NewReader(data)); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
