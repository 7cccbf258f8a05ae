package local

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
)

// logTailBytes is how much of a failed step's log importFailure reads: the
// error is at the end, and logs can be large.
const logTailBytes = 64 << 10

var (
	// importErrorRe matches the error line Python prints last (and that
	// the step runtime repeats in its "step failed" line).
	importErrorRe = regexp.MustCompile(`\b(?:ModuleNotFoundError|ImportError): .*`)
	noModuleRe    = regexp.MustCompile(`No module named '?([A-Za-z0-9_.]+)'?`)
	noNameRe      = regexp.MustCompile(`cannot import name '([^']+)' from '([A-Za-z0-9_.]+)'`)
)

// importFailure reads the end of a failed step's log and, when its last
// error is an import error, says which module and what to do about it;
// otherwise it returns nil.
func importFailure(logPath, python string) *ImportFailure {
	f, err := os.Open(logPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > logTailBytes {
		if _, err := f.Seek(-logTailBytes, io.SeekEnd); err != nil {
			return nil
		}
	}
	tail, err := io.ReadAll(f)
	if err != nil {
		return nil
	}
	lines := bytes.Split(bytes.TrimRight(tail, "\n"), []byte("\n"))
	var errLine string
	for i := len(lines) - 1; i >= 0 && errLine == ""; i-- {
		errLine = importErrorRe.FindString(string(lines[i]))
		// Only the error the step ended on: stop at the last traceback.
		if bytes.HasPrefix(lines[i], []byte("Traceback (most recent call last)")) {
			break
		}
	}
	if errLine == "" {
		return nil
	}
	fail := &ImportFailure{Python: python, Error: errLine}
	py := python
	if py == "" {
		py = "python3"
	}
	switch m, n := noModuleRe.FindStringSubmatch(errLine), noNameRe.FindStringSubmatch(errLine); {
	case n != nil:
		fail.Module, fail.Name = n[2], n[1]
		fail.Hint = fmt.Sprintf("the step ran with %s, whose %s has no %s: run again with --python set to an interpreter that has a version of %s with it (a virtualenv's bin/python3, for example)", py, fail.Module, fail.Name, fail.Module)
	case m != nil:
		fail.Module = m[1]
		fail.Hint = fmt.Sprintf("the step ran with %s, which has no module %s: run again with --python set to an interpreter that has %s installed (a virtualenv's bin/python3, for example)", py, fail.Module, fail.Module)
	default:
		fail.Hint = fmt.Sprintf("the step ran with %s, which could not import what it needs: run again with --python set to an interpreter that can (a virtualenv's bin/python3, for example)", py)
	}
	return fail
}
