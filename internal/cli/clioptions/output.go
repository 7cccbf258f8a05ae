package clioptions

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// FileFlag is the flag of every command that writes its answer to a file
// instead of stdout. -o/--output is always a format, as in kubectl.
const FileFlag = "out-file"

// Output is the -o/--output flag and, for commands that write a file, the
// --out-file flag.
type Output struct {
	// Format is -o: one of the formats given to AddFlags.
	Format string
	// File is --out-file; empty means stdout.
	File string

	formats  []string
	fileFlag bool
}

// AddFlags registers -o/--output on fs; the first format is the default.
func (o *Output) AddFlags(fs *pflag.FlagSet, formats ...string) {
	o.formats = formats
	fs.StringVarP(&o.Format, "output", "o", formats[0], "output format: "+strings.Join(formats, "|"))
}

// AddFileFlag registers --out-file on fs; what says what is written.
func (o *Output) AddFileFlag(fs *pflag.FlagSet, what string) {
	o.fileFlag = true
	fs.StringVar(&o.File, FileFlag, "", "write "+what+" to this file instead of stdout (the file is replaced atomically; a symlink is followed, a FIFO or device written to)")
}

// Validate checks -o against the command's formats. On a command that
// writes files the error says which flag does, since -o is no file name.
func (o *Output) Validate() error {
	if slices.Contains(o.formats, o.Format) {
		return nil
	}
	msg := fmt.Sprintf("unsupported output format %q: use one of %s", o.Format, strings.Join(o.formats, "|"))
	if o.fileFlag {
		msg += fmt.Sprintf("; -o is the format, --%s FILE writes to a file", FileFlag)
	}
	return fmt.Errorf("%s", msg)
}

// JSON reports whether -o json was asked for.
func (o *Output) JSON() bool { return o.Format == "json" }
