package pyana

import (
	"slices"
	"testing"
)

func TestImports(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"import a.b gives a", "import os.path\nimport pandas as pd, sklearn.tree as tree", []string{"os", "pandas", "sklearn"}},
		{"from a.b import c gives a", "from sklearn.model_selection import train_test_split\nfrom torch import nn as n", []string{"sklearn", "torch"}},
		{"relative imports are the notebook's own files", "from . import helpers\nfrom .utils import f\nfrom ..x.y import z", nil},
		{"__future__ is no module to install", "from __future__ import annotations\nimport __future__", nil},
		{"imports in functions count", "def f():\n    import xgboost\n    return xgboost", []string{"xgboost"}},
		{"imports guarded by except ImportError do not", "try:\n    import dill\nexcept ImportError:\n    dill = None", nil},
		{"nor by except (ModuleNotFoundError, ValueError)", "try:\n    import dill\nexcept (ModuleNotFoundError, ValueError):\n    pass", nil},
		{"nor by a bare except", "try:\n    import dill\nexcept:\n    pass", nil},
		{"a handler that misses ImportError does not guard", "try:\n    import dill\nexcept KeyError:\n    pass", []string{"dill"}},
		{"the handler and else blocks of a guarded try count", "try:\n    import a\nexcept ImportError:\n    import b\nelse:\n    import c", []string{"b", "c"}},
		{"star imports count", "from numpy import *", []string{"numpy"}},
		{"IPython lines are not imports", "%pip install pandas\n!pip install torch\nimport json", []string{"json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Analyze(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Imports, tt.want) {
				t.Errorf("Imports = %q, want %q", r.Imports, tt.want)
			}
		})
	}
}

func TestIsStdlibModule(t *testing.T) {
	for name, want := range map[string]bool{
		"os": true, "json": true, "tomllib": true, "__future__": true,
		"distutils": true, "imp": true, // removed in 3.12, still in 3.8 to 3.11
		"binhex": true, "_pydatetime": true, // 3.8 to 3.10 only; 3.12 only
		"pandas": false, "numpy": false, "sklearn": false, "torch": false, "kale": false, "": false,
	} {
		if got := IsStdlibModule(name); got != want {
			t.Errorf("IsStdlibModule(%q) = %v, want %v", name, got, want)
		}
	}
}
