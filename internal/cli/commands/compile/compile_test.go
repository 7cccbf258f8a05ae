package compile_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli"
	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/pkg/compiler"
)

// The notebooks are the compiler's test copies of the shared Kale ones.
func notebook(dir, name string) string {
	return filepath.Join("..", "..", "..", "..", "pkg", "compiler", "testdata", "notebooks", dir, name)
}

var titanic = notebook("examples", "main-2026-05__examples__titanic-ml-dataset__titanic_dataset_ml.ipynb")

type run struct {
	out, errOut string
	code        int
	err         error
}

// kale runs the real command tree (as cmd/kubectl-kale does) against buffers.
func kale(t *testing.T, args ...string) run {
	t.Helper()
	var out, errOut bytes.Buffer
	root := cli.NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, "kubectl-kale")
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	r := run{out: out.String(), errOut: errOut.String(), err: err}
	var exit *clioptions.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.Code
	case err != nil:
		r.code = 1
	}
	return r
}

func load(t *testing.T, data string) *compiler.Result {
	t.Helper()
	r, err := compiler.Load([]byte(data))
	if err != nil {
		t.Fatalf("the output does not load: %v\n%.400s", err, data)
	}
	if err := compiler.Check(r); err != nil {
		t.Fatalf("the output fails Check: %v", err)
	}
	return r
}

func images(t *testing.T, r *compiler.Result) map[string]string {
	t.Helper()
	d := &pipelinespec.PipelineDeploymentConfig{}
	raw, _ := protojson.Marshal(r.PipelineSpec.GetDeploymentSpec())
	if err := protojson.Unmarshal(raw, d); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, e := range d.GetExecutors() {
		out[k] = e.GetContainer().GetImage()
	}
	return out
}

func TestCompileToStdout(t *testing.T) {
	t.Setenv(compiler.EnvDefaultBaseImage, "")
	r := kale(t, "compile", titanic)
	if r.code != 0 {
		t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.errOut)
	}
	res := load(t, r.out)
	if got := res.PipelineSpec.GetPipelineInfo().GetName(); got != "titanic-ml" {
		t.Errorf("pipeline name %q", got)
	}
	if n := len(res.PipelineSpec.GetRoot().GetDag().GetTasks()); n < 5 {
		t.Errorf("only %d tasks", n)
	}
	if !strings.HasPrefix(r.out, "# PIPELINE DEFINITION\n") {
		t.Errorf("stdout does not start with the pipeline YAML: %.80q", r.out)
	}
	if strings.Contains(r.out, "warning:") {
		t.Error("warnings on stdout")
	}
}

func TestCompileFlags(t *testing.T) {
	t.Setenv(compiler.EnvDefaultBaseImage, "env/image:1")
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, r run)
	}{
		{"json output", []string{"-o", "json"}, func(t *testing.T, r run) {
			if !strings.HasPrefix(r.out, "{\n") {
				t.Errorf("not JSON: %.80q", r.out)
			}
			load(t, r.out)
		}},
		{"pipeline name override", []string{"--pipeline-name", "nightly-run"}, func(t *testing.T, r run) {
			if got := load(t, r.out).PipelineSpec.GetPipelineInfo().GetName(); got != "nightly-run" {
				t.Errorf("name %q", got)
			}
		}},
		{"description override", []string{"--description", "from the flag"}, func(t *testing.T, r run) {
			if got := load(t, r.out).PipelineSpec.GetPipelineInfo().GetDescription(); got != "from the flag" {
				t.Errorf("description %q", got)
			}
		}},
		{"the env image is the default", nil, func(t *testing.T, r run) {
			for exec, img := range images(t, load(t, r.out)) {
				if img != "env/image:1" {
					t.Errorf("%s runs on %q", exec, img)
				}
			}
		}},
		{"base image override", []string{"--base-image", "python:3.11"}, func(t *testing.T, r run) {
			for exec, img := range images(t, load(t, r.out)) {
				if img != "python:3.11" {
					t.Errorf("%s runs on %q", exec, img)
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := kale(t, append([]string{"compile", titanic}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.errOut)
			}
			tc.check(t, r)
		})
	}
}

func TestCompileParamOverrides(t *testing.T) {
	nb := notebook("examples", "main-2026-05__kale__tests__assets__notebooks__pipeline_parameters_and_metrics.ipynb")
	r := kale(t, "compile", nb, "--param", "strtest=it's \"x\"\nand=more", "--param", "d1=7", "--param", "booltest=False")
	if r.code != 0 {
		t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.errOut)
	}
	ps := load(t, r.out).PipelineSpec.GetRoot().GetInputDefinitions().GetParameters()
	if got := ps["strtest"].GetDefaultValue().GetStringValue(); got != "it's \"x\"\nand=more" {
		t.Errorf("strtest default %q", got)
	}
	if got := ps["d1"].GetDefaultValue().GetNumberValue(); got != 7 {
		t.Errorf("d1 default %v", got)
	}
	if got := ps["d2"].GetDefaultValue().GetNumberValue(); got != 6 {
		t.Errorf("d2 default %v changed although not overridden", got)
	}
	if ps["booltest"].GetDefaultValue().GetBoolValue() {
		t.Error("booltest still true")
	}
}

func TestCompileFailures(t *testing.T) {
	dir := t.TempDir()
	nb := filepath.Join(dir, "copy.ipynb")
	data, err := os.ReadFile(titanic)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nb, data, 0o644); err != nil {
		t.Fatal(err)
	}
	upper := notebook("oracle", "upper_step.ipynb")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"an error in the notebook names the cell", []string{upper}, []string{upper + ": cell 1:", "lowercase"}},
		{"unknown parameter", []string{titanic, "--param", "nope=1"}, []string{`--param nope: the notebook has no pipeline parameter "nope"`}},
		{"parameter of the wrong type", []string{notebook("oracle", "negative_param.ipynb"), "--param", "lr=fast"}, []string{`--param lr: "fast" is not a number (the parameter is a float)`}},
		{"param without a value", []string{titanic, "--param", "lr"}, []string{`--param "lr": want NAME=VALUE`}},
		{"param given twice", []string{titanic, "--param", "a=1", "--param", "a=2"}, []string{"--param a: given twice"}},
		{"unsupported format", []string{titanic, "-o", "xml"}, []string{`unsupported output format "xml"`}},
		{"--output is a format, not a file", []string{titanic, "--output", filepath.Join(dir, "p.yaml")}, []string{`unsupported output format "` + filepath.Join(dir, "p.yaml") + `": use one of yaml|json; -o is the format, --out-file FILE writes to a file`}},
		{"output onto the notebook", []string{nb, "--out-file", nb}, []string{"--out-file " + nb + " is the notebook itself"}},
		{"output onto the notebook by another path", []string{nb, "--out-file", filepath.Join(dir, ".", "copy.ipynb")}, []string{"is the notebook itself"}},
		{"output onto the notebook through a symlink", []string{nb, "--out-file", symlink(t, nb, filepath.Join(dir, "link.ipynb"))}, []string{"is the notebook itself"}},
		{"output into a missing folder", []string{nb, "--out-file", filepath.Join(dir, "nope", "p.yaml")}, []string{"write " + filepath.Join(dir, "nope", "p.yaml") + ": folder " + filepath.Join(dir, "nope") + " does not exist"}},
		{"output onto a folder", []string{nb, "--out-file", dir}, []string{"write " + dir + ": is a folder"}},
		{"missing notebook", []string{filepath.Join(dir, "none.ipynb")}, []string{"none.ipynb"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := kale(t, append([]string{"compile"}, tc.args...)...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1", r.code)
			}
			msg := r.errOut
			if r.err != nil {
				msg += r.err.Error()
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("output\n%s\ndoes not contain %q", msg, w)
				}
			}
			if r.out != "" {
				t.Errorf("stdout not empty on failure: %.100q", r.out)
			}
		})
	}
	if after, _ := os.ReadFile(nb); !bytes.Equal(after, data) {
		t.Error("the notebook was modified")
	}
}

func TestCompileToFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "titanic.yaml")
	r := kale(t, "compile", titanic, "--out-file", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.errOut)
	}
	if r.out != "" {
		t.Errorf("stdout not empty with --out-file: %.100q", r.out)
	}
	if !strings.Contains(r.errOut, "wrote pipeline titanic-ml") {
		t.Errorf("stderr: %s", r.errOut)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	load(t, string(data))
	// Same bytes as stdout.
	if again := kale(t, "compile", titanic); again.out != string(data) {
		t.Error("the file differs from what stdout gets")
	}
}

func TestWarningsGoToStderr(t *testing.T) {
	r := kale(t, "compile", notebook("oracle", "block_tag.ipynb"))
	if r.code != 0 {
		t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.errOut)
	}
	if !strings.Contains(r.errOut, "warning: ") || !strings.Contains(r.errOut, "block_tag.ipynb: cell") {
		t.Errorf("stderr lacks the block: deprecation warning:\n%s", r.errOut)
	}
	load(t, r.out)
}

func symlink(t *testing.T, target, link string) string {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	return link
}

// TestCompileOutFileTargets: --out-file writes regular files atomically
// (keeping their mode), follows symlinks and leaves special files special.
func TestCompileOutFileTargets(t *testing.T) {
	want := kale(t, "compile", titanic, "-o", "json").out
	if want == "" {
		t.Fatal("no pipeline on stdout")
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) (target string)
		check func(t *testing.T, dir, target string)
	}{
		{"an existing file keeps its mode", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "p.json")
			if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, func(t *testing.T, dir, target string) {
			fi, _ := os.Stat(target)
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", fi.Mode())
			}
		}},
		{"a symlink is followed and kept", func(t *testing.T, dir string) string {
			if err := os.WriteFile(filepath.Join(dir, "real.json"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return symlink(t, "real.json", filepath.Join(dir, "p.json"))
		}, func(t *testing.T, dir, target string) {
			if l, err := os.Readlink(target); err != nil || l != "real.json" {
				t.Errorf("the link is gone: %q %v", l, err)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "real.json")); string(b) != want {
				t.Error("the link's target does not hold the pipeline")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			target := tc.setup(t, dir)
			r := kale(t, "compile", titanic, "-o", "json", "--out-file", target)
			if r.code != 0 {
				t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.errOut)
			}
			if b, _ := os.ReadFile(target); string(b) != want {
				t.Errorf("%s does not hold what stdout gets", target)
			}
			tc.check(t, dir, target)
		})
	}

	t.Run("a FIFO is written to, not replaced", func(t *testing.T) {
		fifo := filepath.Join(t.TempDir(), "pipe")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		// Should the write never open the FIFO, unblock the reader.
		t.Cleanup(func() {
			if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				f.Close()
			}
		})
		got := make(chan string, 1)
		go func() {
			b, err := os.ReadFile(fifo) // blocks until compile opens it
			if err != nil {
				got <- err.Error()
				return
			}
			got <- string(b)
		}()
		r := kale(t, "compile", titanic, "-o", "json", "--out-file", fifo)
		if r.code != 0 {
			t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.errOut)
		}
		if s := <-got; s != want {
			t.Errorf("the reader got %.80q", s)
		}
		if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
			t.Errorf("%s is no longer a FIFO", fifo)
		}
	})
}
