package notebook

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxFileSize bounds a notebook file: notebooks with outputs are rarely
// over a few MB, and a larger read only wastes memory.
const MaxFileSize = 32 << 20

// ReadFile reads a local notebook file of at most MaxFileSize bytes. Only
// regular files are read (symlinks are followed): a directory, device,
// FIFO or socket is an error that says which it is, so that
// `compile /dev/zero` fails at once instead of filling memory. The limit
// holds while reading, not only by the size the file reports.
func ReadFile(path string) ([]byte, error) {
	return readFile(path, MaxFileSize)
}

func readFile(path string, limit int64) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO with no writer must not hang before the
	// check below can refuse it. It changes nothing for regular files.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read notebook: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read notebook: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read notebook: %s is %s, not a notebook file", path, describe(fi.Mode()))
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("read notebook: %s is %d bytes, over the size limit of %s", path, fi.Size(), sizeString(limit))
	}
	var b bytes.Buffer
	b.Grow(int(fi.Size()) + bytes.MinRead)
	// One byte past the limit tells a file that grew, or that reports no
	// size (/proc), from one that fits.
	if _, err := b.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, fmt.Errorf("read notebook %s: %w", path, err)
	}
	if int64(b.Len()) > limit {
		return nil, fmt.Errorf("read notebook: %s is larger than the size limit of %s", path, sizeString(limit))
	}
	return b.Bytes(), nil
}

// describe names a kind of file that is not regular.
func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file (" + m.Type().String() + ")"
}

func sizeString(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
