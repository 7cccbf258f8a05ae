// Package legacy is Kale's own command line, `kale --nb NOTEBOOK
// [--upload_pipeline] [--run_pipeline] [--kfp_host H] [--experiment_name E]
// [--pipeline_name P] [--pipeline_description D] [--docker_image I]
// [--output_path DIR] [--debug]`, answered by the kale binary when it is
// invoked as `kale` with --nb, so scripts written for Kale keep working.
// It compiles the notebook, writes the pipeline to OUTPUT_PATH/NAME.yaml,
// and optionally uploads it (a new version when the name exists) and runs
// it. Unlike Kale, a flag overrides the notebook's metadata only when given
// (Kale's defaults for --experiment_name and --pipeline_name silently
// replaced the notebook's values).
package legacy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/deliver"
	"github.com/kubeflow-kale/kale/internal/cli/kfpflags"
	"github.com/kubeflow-kale/kale/internal/cli/nbload"
	"github.com/kubeflow-kale/kale/internal/fileutil"
	"github.com/kubeflow-kale/kale/pkg/compiler"
	"github.com/kubeflow-kale/kale/pkg/contract"
	"github.com/kubeflow-kale/kale/pkg/kfp"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Wants reports whether args are Kale's legacy command line (they carry
// --nb); main routes `kale` invocations with it here.
func Wants(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--nb" || strings.HasPrefix(a, "--nb=") {
			return true
		}
	}
	return false
}

// Options holds Kale's CLI flags.
type Options struct {
	g           *clioptions.Global
	Notebook    string
	Upload      bool
	RunPipeline bool
	KFPHost     string
	// Overrides of the notebook's metadata, applied only when given.
	Build      pipeline.Options
	OutputPath string
	Debug      bool
	// Ignored flags of Kale that have no meaning here.
	Dev            bool
	PipIndexURLs   string
	DevpiSimpleURL string

	Env kfp.Env
}

// NewCmd returns the legacy command.
func NewCmd(streams genericiooptions.IOStreams) *cobra.Command {
	g := &clioptions.Global{ConfigFlags: genericclioptions.NewConfigFlags(true), IOStreams: streams, InvokedAs: contract.Command}
	return newCmd(&Options{g: g, Env: kfp.OSEnv()})
}

func newCmd(o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kale --nb NOTEBOOK",
		Short: "Kale's command line: compile a notebook, optionally upload and run it on Kubeflow Pipelines",
		Long: `Compile a Kale notebook into a Kubeflow Pipelines pipeline, written to
OUTPUT_PATH/PIPELINE_NAME.yaml, and with --upload_pipeline upload it (a new
version when a pipeline of that name exists) or with --run_pipeline upload
it and start a run. The KFP API is --kfp_host, else $KF_PIPELINES_ENDPOINT,
else the in-cluster service. Flags override the notebook's metadata only
when given. The same binary answers "kale run", "kale submit" and the other
kubectl kale commands.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          clioptions.RunE(o),
	}
	cmd.SetIn(o.g.IOStreams.In)
	cmd.SetOut(o.g.IOStreams.Out)
	cmd.SetErr(o.g.IOStreams.ErrOut)
	f := cmd.Flags()
	f.StringVar(&o.Notebook, "nb", "", "path to the notebook (required)")
	f.BoolVar(&o.Upload, "upload_pipeline", false, "upload the pipeline to KFP (a new version when it exists)")
	f.BoolVar(&o.RunPipeline, "run_pipeline", false, "upload the pipeline and start a run")
	f.BoolVar(&o.Debug, "debug", false, "log what is done")
	f.StringVar(&o.KFPHost, "kfp_host", "", "KFP API host: URL or host:port (default $"+kfp.EnvEndpoint+")")
	f.StringVar(&o.Build.Experiment, "experiment_name", "", "experiment (overrides the notebook's experiment_name)")
	f.StringVar(&o.Build.PipelineName, "pipeline_name", "", "pipeline name (overrides the notebook's pipeline_name)")
	f.StringVar(&o.Build.Description, "pipeline_description", "", "pipeline description (overrides the notebook's)")
	f.StringVar(&o.Build.BaseImage, "docker_image", "", "image of steps without an image: tag (overrides the notebook's base_image)")
	f.StringVar(&o.OutputPath, "output_path", ".kale", "directory, relative to the current one, for the generated pipeline")
	f.BoolVar(&o.Dev, "dev", false, "Kale development mode (no effect here)")
	f.StringVar(&o.PipIndexURLs, "pip-index-urls", "", "pip indexes (no effect here: steps install nothing)")
	f.StringVar(&o.DevpiSimpleURL, "devpi-simple-url", "", "devpi index (no effect here)")
	return cmd
}

// Complete warns about flags that do nothing here.
func (o *Options) Complete(cmd *cobra.Command, _ []string) error {
	for _, name := range []string{"dev", "pip-index-urls", "devpi-simple-url"} {
		if cmd.Flags().Changed(name) {
			fmt.Fprintf(o.g.IOStreams.ErrOut, "warning: --%s has no effect: kale steps run the notebook code without installing packages\n", name)
		}
	}
	return nil
}

// Validate checks the flags before any I/O.
func (o *Options) Validate() error {
	if o.Notebook == "" {
		return fmt.Errorf("--nb NOTEBOOK is required")
	}
	if filepath.IsAbs(o.OutputPath) || strings.HasPrefix(filepath.Clean(o.OutputPath), "..") {
		return fmt.Errorf("--output_path %s is not a valid output directory: the path must be relative to the current directory and inside it", o.OutputPath)
	}
	return nil
}

// Run compiles, writes, and uploads or runs as asked.
func (o *Options) Run(ctx context.Context) error {
	out, errOut := o.g.IOStreams.Out, o.g.IOStreams.ErrOut
	level := slog.LevelWarn
	if o.Debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: level}))

	data, err := nbload.Read(o.Notebook)
	if err != nil {
		return err
	}
	log.Debug("compiling", "notebook", o.Notebook)
	p, ir, err := nbload.Compile(errOut, o.Notebook, data, o.Build, compiler.Options{
		DefaultImage: compiler.ResolveDefaultImage(""), NotebookName: o.Notebook,
	})
	if err != nil {
		return err
	}
	yml, err := ir.YAML()
	if err != nil {
		return err
	}
	path, err := filepath.Abs(filepath.Join(o.OutputPath, p.Name+".yaml"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := fileutil.Write(path, bytes.NewReader(yml), fileutil.Options{Perm: 0o644}); err != nil {
		return err
	}
	fmt.Fprintf(out, "pipeline_package_path: %s\n", path)
	if !o.Upload && !o.RunPipeline {
		return nil
	}

	kf := kfpflags.KFP{Settings: kfp.Settings{Endpoint: o.KFPHost}}
	cfg, err := kf.Settings.Resolve(o.Env)
	if errors.Is(err, kfp.ErrNoEndpoint) {
		// Kale's command line names the endpoint --kfp_host.
		return fmt.Errorf("no Kubeflow Pipelines endpoint for --upload_pipeline/--run_pipeline: pass --kfp_host URL or set %s (inside a Kubeflow notebook, the pod's KFP token at %s selects %s)", contract.EnvKFPEndpoint, contract.KFPTokenPath, contract.KFPInClusterEndpoint)
	}
	if err != nil {
		return err
	}
	cfg.Logger = log
	cfg.Warn = func(m string) { log.Warn(m) }
	c, err := kfp.New(cfg)
	if err != nil {
		return err
	}
	log.Debug("KFP endpoint", "url", kfp.Redact(cfg.Endpoint), "from", cfg.EndpointSource)
	ns := ""
	h, err := c.Health(ctx)
	if err != nil {
		return err
	}
	if h.MultiUser {
		if ns, err = kf.ResolveNamespace(o.g.ConfigFlags, o.Env.Getenv); err != nil {
			return err
		}
	}
	// As Kale: --run_pipeline uploads first.
	pl, v, err := c.Publish(ctx, kfp.Upload{Name: p.Name, Description: p.Description, Namespace: ns, Spec: yml})
	if err != nil {
		return fmt.Errorf("uploading pipeline %q: %w", p.Name, err)
	}
	fmt.Fprintf(out, "pipeline_id: %s, version_id: %s\n", pl.ID, v.ID)
	fmt.Fprintf(out, "pipeline_url: %s\n", c.PipelineURL(pl.ID, v.ID))
	if !o.RunPipeline {
		return nil
	}
	exp, _, err := c.EnsureExperiment(ctx, p.Experiment, ns)
	if err != nil {
		return fmt.Errorf("experiment %q: %w", p.Experiment, err)
	}
	spec, platform, err := deliver.InlineSpec(ir)
	if err != nil {
		return err
	}
	// Like Kale, the run is named after the uploaded version and carries
	// the package itself (it is not linked to the version).
	runName := deliver.DefaultRunName(v.Name, time.Now())
	r, err := c.CreateRun(ctx, kfp.RunSpec{DisplayName: runName, ExperimentID: exp.ID, PipelineSpec: spec, PlatformSpec: platform})
	if err != nil {
		return fmt.Errorf("creating run %q: %w", runName, err)
	}
	fmt.Fprintln(out, "Pipeline submitted!")
	fmt.Fprintf(out, "run_id: %s\n", r.ID)
	fmt.Fprintf(out, "run_url: %s\n", c.RunURL(r.ID))
	return nil
}
