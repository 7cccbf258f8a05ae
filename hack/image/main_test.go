package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestLayer checks the layer's files: the binaries executable, kale a
// symlink to kubectl-kale, the non-root user in /etc/passwd, /tmp sticky.
func TestLayer(t *testing.T) {
	dir := t.TempDir()
	kale, hook := filepath.Join(dir, "kubectl-kale"), filepath.Join(dir, "kale-webhook")
	_ = os.WriteFile(kale, []byte("kale-binary"), 0o755)
	_ = os.WriteFile(hook, []byte("webhook-binary"), 0o755)
	b, err := buildLayer(kale, hook)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*tar.Header{}
	content := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got[h.Name] = h
		c, _ := io.ReadAll(tr)
		content[h.Name] = string(c)
	}
	for name, mode := range map[string]int64{"kale/bin/kubectl-kale": 0o755, "kale/bin/kale-webhook": 0o755, "tmp/": 0o1777, "etc/passwd": 0o644} {
		if h := got[name]; h == nil || h.Mode != mode {
			t.Errorf("%s: %+v, want mode %o", name, h, mode)
		}
	}
	if h := got["kale/bin/kale"]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "kubectl-kale" {
		t.Errorf("kale/bin/kale = %+v, want a symlink to kubectl-kale", h)
	}
	if content["kale/bin/kubectl-kale"] != "kale-binary" || content["kale/bin/kale-webhook"] != "webhook-binary" {
		t.Error("binaries not copied")
	}
	if !bytes.Contains([]byte(content["etc/passwd"]), []byte("nonroot:x:65532:65532")) {
		t.Errorf("/etc/passwd = %q", content["etc/passwd"])
	}
	again, _ := buildLayer(kale, hook)
	if !bytes.Equal(b, again) {
		t.Error("the layer is not reproducible")
	}
	if _, err := buildLayer(filepath.Join(dir, "missing"), hook); err == nil {
		t.Error("a missing binary was not reported")
	}
}
