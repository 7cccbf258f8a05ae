package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/kubeflow-kale/kale/pkg/inject"
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

// TestManifestsPinTheReleasedTag: the VERSION file is the one released
// tag; `make image` tags the image with it, and manifests/base runs the
// webhook and injects the init container with exactly that image.
func TestManifestsPinTheReleasedTag(t *testing.T) {
	v, err := os.ReadFile("../../VERSION")
	if err != nil {
		t.Fatal(err)
	}
	want := "ghcr.io/kubeflow-kale/kale:" + strings.TrimSpace(string(v))
	if !regexp.MustCompile(`^ghcr\.io/kubeflow-kale/kale:v\d+\.\d+\.\d+$`).MatchString(want) {
		t.Fatalf("VERSION %q is not a release tag vX.Y.Z", v)
	}
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"RELEASE := $(shell cat VERSION)", "IMAGE ?= ghcr.io/kubeflow-kale/kale:$(RELEASE)"} {
		if !strings.Contains(string(mk), "\n"+line+"\n") {
			t.Errorf("the Makefile lacks the line %q", line)
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), "../../manifests/base")
	if err != nil {
		t.Fatalf("kustomize manifests/base: %v", err)
	}
	var images []string
	for _, r := range resMap.Resources() {
		b, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		switch r.GetKind() {
		case "Deployment":
			var d appsv1.Deployment
			if err := yaml.UnmarshalStrict(b, &d); err != nil {
				t.Fatal(err)
			}
			for _, c := range d.Spec.Template.Spec.Containers {
				images = append(images, c.Image)
			}
		case "ConfigMap":
			var cm corev1.ConfigMap
			if err := yaml.UnmarshalStrict(b, &cm); err != nil {
				t.Fatal(err)
			}
			cfg, err := inject.LoadConfig(strings.NewReader(cm.Data["config.yaml"]))
			if err != nil {
				t.Fatalf("the ConfigMap's config.yaml: %v", err)
			}
			images = append(images, cfg.Image)
		}
	}
	if len(images) != 2 {
		t.Fatalf("found images %q, want the webhook's and the ConfigMap's", images)
	}
	for _, img := range images {
		if img != want {
			t.Errorf("manifests/base uses %s, VERSION says %s", img, want)
		}
	}
}
