// Command image writes the kale container image without a Docker engine,
// with go-containerregistry: one layer holding the static kubectl-kale
// (also reachable as kale) and kale-webhook under /kale/bin, an /etc/passwd
// naming the non-root user 65532, and /tmp. It writes a Docker archive
// (`docker load`, `kind load image-archive`) and an OCI image archive (an OCI
// layout in a tar, `skopeo copy oci-archive:...`). `make image` runs it.
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run() error {
	kale := flag.String("kubectl-kale", "bin/image/kubectl-kale", "static kubectl-kale binary")
	hook := flag.String("webhook", "bin/image/kale-webhook", "static kale-webhook binary")
	tag := flag.String("tag", "ghcr.io/kubeflow-kale/kale:dev", "image reference")
	out := flag.String("o", "bin/kale-image.tar", "Docker archive to write")
	ociOut := flag.String("oci", "bin/kale-image.oci.tar", "OCI image archive to write")
	flag.Parse()

	ref, err := name.NewTag(*tag)
	if err != nil {
		return err
	}
	layerTar, err := buildLayer(*kale, *hook)
	if err != nil {
		return err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	if img, err = mutate.AppendLayers(img, layer); err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Created = v1.Time{Time: time.Unix(0, 0).UTC()}
	cf.Config.User = "65532:65532"
	cf.Config.WorkingDir = "/"
	cf.Config.Env = []string{"PATH=/kale/bin:/usr/local/bin:/usr/bin:/bin", "HOME=/tmp"}
	cf.Config.Entrypoint = []string{"/kale/bin/kale-webhook"}
	cf.Config.Labels = map[string]string{
		"org.opencontainers.image.source":      "https://github.com/kubeflow-kale/kale",
		"org.opencontainers.image.title":       "kale",
		"org.opencontainers.image.description": "kubectl-kale (kale) and kale-webhook",
		"org.opencontainers.image.version":     ref.TagStr(),
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	if err := tarball.WriteToFile(*out, ref, img); err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	if err := writeOCIArchive(*ociOut, ref, img); err != nil {
		return fmt.Errorf("writing %s: %w", *ociOut, err)
	}
	digest, _ := img.Digest()
	fmt.Printf("%s %s\n  docker archive: %s\n  OCI archive:    %s\n", ref, digest, *out, *ociOut)
	return nil
}

// buildLayer is the image's single layer, with fixed timestamps so the
// same binaries give the same digest.
func buildLayer(kale, hook string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0).UTC()
	dir := func(name string, mode int64) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode, ModTime: epoch})
	}
	file := func(name string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: epoch}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	kaleBin, err := os.ReadFile(kale)
	if err != nil {
		return nil, err
	}
	hookBin, err := os.ReadFile(hook)
	if err != nil {
		return nil, err
	}
	steps := []func() error{
		func() error { return dir("etc/", 0o755) },
		func() error {
			return file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n"))
		},
		func() error { return file("etc/group", 0o644, []byte("root:x:0:\nnonroot:x:65532:\n")) },
		func() error {
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777, ModTime: epoch})
		},
		func() error { return dir("kale/", 0o755) },
		func() error { return dir("kale/bin/", 0o755) },
		func() error { return file("kale/bin/kubectl-kale", 0o755, kaleBin) },
		func() error {
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "kale/bin/kale", Linkname: "kubectl-kale", Mode: 0o777, ModTime: epoch})
		},
		func() error { return file("kale/bin/kale-webhook", 0o755, hookBin) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeOCIArchive writes an OCI image layout holding img and tars it.
func writeOCIArchive(path string, ref name.Tag, img v1.Image) error {
	dir, err := os.MkdirTemp("", "kale-oci-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": ref.TagStr(),
		"io.containerd.image.name":          ref.Name(),
	})); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	err = filepath.Walk(dir, func(file string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, file)
		if err != nil || rel == "." {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if info.IsDir() {
			hdr.Name += "/"
		}
		hdr.ModTime, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = time.Unix(0, 0).UTC(), 0, 0, "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.IsDir() {
			return nil
		}
		src, err := os.Open(file)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
