// Package fileutil writes files the one way kale writes them: a regular
// file is replaced atomically (a reader sees the old content or the new,
// never half), a symlink is followed to the file it names and the link
// kept, and a special file (a FIFO, /dev/null, /dev/stdout) is written
// to as it is, never replaced by a regular file.
package fileutil

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Options say what mode the written file gets.
type Options struct {
	// Perm is the mode of a file that did not exist.
	Perm fs.FileMode
	// ForcePerm gives an existing file Perm too; otherwise it keeps its
	// own mode.
	ForcePerm bool
}

// maxLinks bounds the symlinks followed to a file that does not exist yet,
// as the kernel does (ELOOP).
const maxLinks = 40

// Write writes what r holds to path:
//   - a symlink is followed to the file it names (which may not exist
//     yet); that file is written and the link stays;
//   - an existing file that is not regular (a FIFO, a character device
//     such as /dev/null or /dev/stdout) is opened and written to directly:
//     no temporary file, no rename;
//   - a regular file, or a new one, is written to a temporary file in the
//     same folder and renamed over the target, keeping the mode of the file
//     it replaces (see Options).
//
// A path that names a folder, or a file in a folder that does not exist, is
// an error that names the path and says which.
func Write(path string, r io.Reader, o Options) error {
	fi, err := os.Stat(path) // follows symlinks, /proc/self/fd magic links too
	switch {
	case err == nil && fi.IsDir():
		return &Error{Path: path, Msg: "is a folder: name a file in it"}
	case err == nil && !fi.Mode().IsRegular():
		return writeInPlace(path, r)
	case err == nil:
		real, rerr := filepath.EvalSymlinks(path)
		if rerr != nil {
			return writeInPlace(path, r) // a regular file with no name to replace
		}
		if ri, serr := os.Stat(real); serr != nil || !os.SameFile(ri, fi) {
			return writeInPlace(path, r)
		}
		perm := fi.Mode().Perm()
		if o.ForcePerm {
			perm = o.Perm
		}
		return replace(path, real, r, perm)
	case errors.Is(err, fs.ErrNotExist):
		target, err := danglingTarget(path)
		if err != nil {
			return err
		}
		dir := filepath.Dir(target)
		di, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return &Error{Path: path, Msg: fmt.Sprintf("folder %s does not exist", dir), Err: fs.ErrNotExist}
		case err != nil:
			return &Error{Path: path, Err: unwrapPath(err)}
		case !di.IsDir():
			return &Error{Path: path, Msg: fmt.Sprintf("%s is not a folder", dir)}
		}
		return replace(path, target, r, o.Perm)
	default:
		return &Error{Path: path, Err: unwrapPath(err)}
	}
}

// Error is a failed Write. Its text names the path the caller gave, never
// a temporary file.
type Error struct {
	Path string
	// Msg says what is wrong in words; empty means Err says it.
	Msg string
	Err error
}

func (e *Error) Error() string {
	if e.Msg != "" || e.Err == nil {
		return "write " + e.Path + ": " + e.Msg
	}
	return "write " + e.Path + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// danglingTarget follows the symlinks of a path that does not exist to the
// name that would be created; a path that is no symlink is itself.
func danglingTarget(path string) (string, error) {
	p := path
	for range maxLinks {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", &Error{Path: path, Err: unwrapPath(err)}
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			// It exists after all (it was created meanwhile): replace it.
			return p, nil
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", &Error{Path: path, Err: unwrapPath(err)}
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	return "", &Error{Path: path, Msg: "too many levels of symbolic links"}
}

// writeInPlace opens an existing file and writes to it: what a FIFO or a
// device needs.
func writeInPlace(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	if err := f.Close(); err != nil {
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	return nil
}

// replace writes r to a temporary file next to target and renames it over
// target. Errors name path (what the caller asked for), not the temporary
// file.
func replace(path, target string, r io.Reader, perm fs.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*")
	if err != nil {
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	// CreateTemp makes the file 0600; set the mode explicitly, past the
	// umask, as the file it replaces had it.
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	if err := tmp.Close(); err != nil {
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	return nil
}

// unwrapPath drops the path of an *fs.PathError or *os.LinkError, which may
// be a temporary file's name, keeping the cause (permission denied...).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
