package diag

import "testing"

func TestDiagnosticError(t *testing.T) {
	tests := []struct {
		name string
		d    Diagnostic
		want string
	}{
		{"cells are numbered from 1", Diagnostic{Notebook: "nb.ipynb", Cell: 1, Line: 3, Message: "m"}, "nb.ipynb: cell 1: line 3: m"},
		{"no line", Diagnostic{Notebook: "nb.ipynb", Cell: 7, Message: "m"}, "nb.ipynb: cell 7: m"},
		{"NoCell is the whole notebook", Diagnostic{Notebook: "nb.ipynb", Cell: NoCell, Line: 2, Message: "m"}, "nb.ipynb: m"},
		{"so is the zero value: there is no cell 0", Diagnostic{Notebook: "nb.ipynb", Message: "m"}, "nb.ipynb: m"},
	}
	for _, tt := range tests {
		if got := tt.d.Error(); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
