package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallCopiesTheBinary(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "kubectl-kale")
	if err := os.WriteFile(src, []byte("#!/bin/sh\necho kale\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "opt", "kale", "bin", "kale")
	var stderr bytes.Buffer
	if code := run([]string{"install", "--src", src, "--dest", dest}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	fi, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, want 0755 (readable and executable by the notebook user)", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(dest); string(b) != "#!/bin/sh\necho kale\n" {
		t.Errorf("content %q", b)
	}
	// Running again (a restarted init container) replaces it.
	if code := run([]string{"install", "--src", src, "--dest", dest}, &stderr); code != 0 {
		t.Fatalf("second install: exit %d", code)
	}
}

func TestInstallErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"install"}, "--dest is required"},
		{[]string{"install", "--src", "/nonexistent/kubectl-kale", "--dest", filepath.Join(t.TempDir(), "kale")}, "no such file"},
	} {
		var stderr bytes.Buffer
		if code := run(tt.args, &stderr); code == 0 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, stderr.String(), tt.want)
		}
	}
}

func TestBadFlagsAndConfig(t *testing.T) {
	var stderr bytes.Buffer
	if code := run([]string{"--no-such-flag"}, &stderr); code != 2 {
		t.Errorf("unknown flag: exit %d", code)
	}
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	_ = os.WriteFile(cfg, []byte("imagee: x\n"), 0o644)
	if code := run([]string{"--config", cfg, "--metrics-bind-address", "0", "--health-probe-bind-address", "0"}, &stderr); code != 1 {
		t.Errorf("bad config: exit %d", code)
	}
}
