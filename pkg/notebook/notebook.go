// Package notebook reads Jupyter notebooks (nbformat v4) tagged for Kale.
// Parse takes the raw .ipynb bytes and returns the code cells with their
// Kale tags parsed, and the notebook-wide kubeflow_notebook metadata typed,
// with the v0.7 spellings mapped onto the 2.x ones. Errors and warnings are
// diag values that name the notebook and the cell.
package notebook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kubeflow-kale/kale/pkg/diag"
)

// Notebook is a parsed Kale notebook.
type Notebook struct {
	// Name is the path or name the user gave for the notebook; every
	// diagnostic carries it.
	Name string
	// Format and FormatMinor are nbformat and nbformat_minor.
	Format, FormatMinor int
	// Cells are the code cells in notebook order. Markdown and raw cells
	// are left out, but Cell.Number counts them, as Jupyter does.
	Cells []Cell
	// Metadata is metadata.kubeflow_notebook.
	Metadata Metadata
	// Diagnostics holds the warnings found while parsing.
	Diagnostics diag.List
}

// Cell is one code cell.
type Cell struct {
	// Number is the cell's 1-based position among all cells of the
	// notebook, markdown and raw cells included: the number Jupyter, ruff
	// and nbQA show for it. Diagnostics and the pipeline model carry it.
	Number int
	// Source is the cell's code.
	Source string
	// RawTags are the cell's metadata.tags as written.
	RawTags []string
	// Tags are RawTags parsed.
	Tags Tags
}

// FirstLine returns the first non-blank line of the cell, for messages.
func (c Cell) FirstLine() string {
	for _, l := range strings.Split(c.Source, "\n") {
		if t := strings.TrimSpace(l); t != "" {
			return t
		}
	}
	return ""
}

type rawNotebook struct {
	Cells         *[]rawCell                 `json:"cells"`
	Metadata      map[string]json.RawMessage `json:"metadata"`
	NBFormat      *int                       `json:"nbformat"`
	NBFormatMinor int                        `json:"nbformat_minor"`
	Worksheets    json.RawMessage            `json:"worksheets"`
}

type rawCell struct {
	CellType string          `json:"cell_type"`
	Source   json.RawMessage `json:"source"`
	Metadata json.RawMessage `json:"metadata"`
}

// Parse reads nbformat v4 JSON (4.0 to 4.5). name is used in diagnostics.
// On failure the error is a diag.List (or a diag.Diagnostic) naming the
// notebook and, where it applies, the cell; every cell error is reported,
// not only the first.
func Parse(name string, data []byte) (*Notebook, error) {
	fail := func(format string, args ...any) error {
		return diag.Diagnostic{Severity: diag.Error, Notebook: name, Cell: diag.NoCell, Message: fmt.Sprintf(format, args...)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fail("the file is empty, not a Jupyter notebook")
	}
	if trimmed[0] != '{' {
		return nil, fail("not a Jupyter notebook: a .ipynb file is a JSON object, this file starts with %q", firstBytes(trimmed))
	}
	var raw rawNotebook
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fail("not valid notebook JSON: %s", jsonErrorText(data, err))
	}
	if raw.NBFormat == nil {
		return nil, fail("not a Jupyter notebook: the JSON object has no \"nbformat\" field")
	}
	if *raw.NBFormat != 4 {
		if *raw.NBFormat < 4 {
			return nil, fail("nbformat %d is not supported: kale reads nbformat 4; open the notebook in Jupyter and save it, or run `jupyter nbconvert --to notebook --nbformat 4`", *raw.NBFormat)
		}
		return nil, fail("nbformat %d is not supported: kale reads nbformat 4 (4.0 to 4.5)", *raw.NBFormat)
	}
	if raw.Cells == nil {
		return nil, fail("not a Jupyter notebook: nbformat 4 JSON without a \"cells\" list")
	}
	nb := &Notebook{Name: name, Format: *raw.NBFormat, FormatMinor: raw.NBFormatMinor}
	var diags, legacy diag.List
	var tagErrs diag.List        // reported after the prev: tags that name a bad step name are folded in
	badSteps := map[string]int{} // a rejected step name -> its error in tagErrs
	if raw.NBFormatMinor > 5 {
		diags.Warnf(name, diag.NoCell, 0, "nbformat 4.%d is newer than 4.5, the newest kale knows; reading it as 4.5", raw.NBFormatMinor)
	}
	for i, c := range *raw.Cells {
		num := i + 1 // cells are numbered from 1, as users count them
		if c.CellType != "code" {
			if c.CellType == "" {
				diags.Warnf(name, num, 0, "cell has no cell_type; ignored")
			}
			continue
		}
		src, err := parseSource(c.Source)
		if err != nil {
			diags.Errorf(name, num, 0, "%v", err)
			continue
		}
		cell := Cell{Number: num, Source: src}
		tags, err := parseCellTags(c.Metadata)
		if err != nil {
			diags.Errorf(name, num, 0, "%v", err)
			continue
		}
		cell.RawTags = tags
		parsed, tagDiags := ParseTags(tags)
		cell.Tags = parsed
		for _, d := range tagDiags {
			d.Notebook, d.Cell = name, num
			switch {
			case d.Severity == diag.Warning && strings.HasPrefix(d.Tag, "block:"):
				legacy = append(legacy, d)
			case d.Severity == diag.Error:
				if parsed.BadStep != "" && (d.Tag == "step:"+parsed.BadStep || d.Tag == "block:"+parsed.BadStep) {
					badSteps[parsed.BadStep] = len(tagErrs)
				}
				tagErrs.Add(d)
			default:
				diags.Add(d)
			}
		}
		nb.Cells = append(nb.Cells, cell)
	}
	for _, d := range foldBadStepRefs(tagErrs, badSteps) {
		diags.Add(d)
	}
	diags.Sort()
	if len(legacy) > 0 {
		// One warning for all block: tags, at the first one.
		d := legacy[0]
		if len(legacy) > 1 {
			cells := make([]string, 0, len(legacy)-1)
			for _, l := range legacy[1:] {
				cells = append(cells, fmt.Sprint(l.Cell))
			}
			d.Message += fmt.Sprintf("; %d more cells use block: tags (cells %s)", len(legacy)-1, strings.Join(cells, ", "))
		}
		diags.Add(d)
		diags.Sort()
	}
	md, mdDiags := parseMetadata(raw.Metadata["kubeflow_notebook"])
	for _, d := range mdDiags {
		d.Notebook = name
		diags.Add(d)
	}
	nb.Metadata = md
	if err := diags.Err(); err != nil {
		return nil, diags
	}
	nb.Diagnostics = diags
	return nb, nil
}

// foldBadStepRefs drops the errors of prev: tags that name a step whose
// step: tag was rejected for its name (by that name or by the name it
// suggests: Load-Data, load-data), so one bad name gives one error; that
// error lists the cells whose prev: tags name it, to fix with it.
func foldBadStepRefs(errs diag.List, badSteps map[string]int) diag.List {
	if len(badSteps) == 0 {
		return errs
	}
	bySuggestion := map[string]int{}
	for bad, i := range badSteps {
		if s := SuggestStepName(bad); s != "" {
			bySuggestion[s] = i
		}
	}
	refs := map[int][]string{}
	out := make(diag.List, 0, len(errs))
	for _, d := range errs {
		if ref, ok := strings.CutPrefix(d.Tag, "prev:"); ok && strings.HasPrefix(d.Message, "unrecognized tag") {
			i, named := badSteps[ref]
			if !named {
				i, named = bySuggestion[SuggestStepName(ref)]
			}
			if named {
				refs[i] = append(refs[i], fmt.Sprint(d.Cell))
				continue
			}
		}
		out = append(out, d)
	}
	for i, cells := range refs {
		for j := range out {
			if out[j] == errs[i] {
				out[j].Message += fmt.Sprintf(" (the prev: tags of cells %s name this step too: rename them with it)", strings.Join(slices.Compact(cells), ", "))
			}
		}
	}
	return out
}

// parseSource accepts nbformat's multiline string: a string or a list of
// strings that are concatenated.
func parseSource(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []string
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("cell source must be a string or a list of strings")
	}
	return strings.Join(parts, ""), nil
}

// parseCellTags returns metadata.tags, checking that every tag is a string.
func parseCellTags(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var md map[string]json.RawMessage
	if err := json.Unmarshal(raw, &md); err != nil {
		return nil, errors.New("cell metadata must be a JSON object")
	}
	rawTags, ok := md["tags"]
	if !ok || string(rawTags) == "null" {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(rawTags, &list); err != nil {
		return nil, fmt.Errorf("cell tags must be a list of strings, found %s", jsonKind(rawTags))
	}
	tags := make([]string, 0, len(list))
	for _, t := range list {
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return nil, fmt.Errorf("tags must be strings: found tag %s of type %s", truncate(string(t), 40), jsonKind(t))
		}
		tags = append(tags, s)
	}
	return tags, nil
}

func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "object"
	case '[':
		return "list"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

func jsonErrorText(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, int(se.Offset))
		return fmt.Sprintf("%s at line %d, column %d", se.Error(), line, col)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "the top level"
		}
		return fmt.Sprintf("%s is a JSON %s where nbformat expects %s", field, te.Value, te.Type.Kind())
	}
	return err.Error()
}

func lineCol(data []byte, off int) (int, int) {
	off-- // Offset counts the offending byte
	if off > len(data) {
		off = len(data)
	}
	if off < 0 {
		off = 0
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

func firstBytes(b []byte) string {
	if len(b) > 16 {
		b = b[:16]
	}
	return string(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
