package notebook

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int64) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(`{"cells": []}`), 0o644); err != nil {
			t.Fatal(err)
		}
		if size > 0 {
			// Sparse: large files cost no disk.
			if err := os.Truncate(p, size); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	small := write("train.ipynb", 0)
	atLimit := write("at-limit.ipynb", MaxFileSize)
	tooLarge := write("large.ipynb", MaxFileSize+1)
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.ipynb")
	if err := os.Symlink(small, link); err != nil {
		t.Fatal(err)
	}
	dirLink := filepath.Join(dir, "dir-link")
	if err := os.Symlink(dir, dirLink); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		limit      int64
		wantLen    int
		wantErr    string
	}{
		{"a regular file is read", small, MaxFileSize, 13, ""},
		{"a symlink is followed", link, MaxFileSize, 13, ""},
		{"a file of exactly the limit is read", atLimit, MaxFileSize, MaxFileSize, ""},
		{"a file over the limit is refused by its size", tooLarge, MaxFileSize, 0,
			"read notebook: " + tooLarge + " is 33554433 bytes, over the size limit of 32 MB"},
		{"a file that says it is empty but reads longer is cut at the limit", "/proc/self/status", 100, 0,
			"read notebook: /proc/self/status is larger than the size limit of 100 bytes"},
		{"/dev/zero is a device", "/dev/zero", MaxFileSize, 0,
			"read notebook: /dev/zero is a character device, not a notebook file"},
		{"a FIFO is refused without waiting for a writer", fifo, MaxFileSize, 0,
			"read notebook: " + fifo + " is a named pipe (FIFO), not a notebook file"},
		{"a directory", dir, MaxFileSize, 0,
			"read notebook: " + dir + " is a directory, not a notebook file"},
		{"a symlink to a directory", dirLink, MaxFileSize, 0,
			"read notebook: " + dirLink + " is a directory, not a notebook file"},
		{"a missing file", filepath.Join(dir, "missing.ipynb"), MaxFileSize, 0,
			"read notebook: open " + filepath.Join(dir, "missing.ipynb") + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.HasPrefix(tt.path, "/proc/") || strings.HasPrefix(tt.path, "/dev/") {
				if _, err := os.Stat(tt.path); err != nil {
					t.Skipf("%s: %v", tt.path, err)
				}
			}
			data, err := readFile(tt.path, tt.limit)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v\nwant %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(data) != tt.wantLen {
				t.Fatalf("read %d bytes, %v; want %d bytes", len(data), err, tt.wantLen)
			}
		})
	}
	if _, err := ReadFile("/dev/zero"); err == nil {
		t.Error("ReadFile(/dev/zero) succeeded")
	}
}
