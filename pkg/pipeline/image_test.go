package pipeline

import (
	"maps"
	"strings"
	"testing"
)

// TestDefaultImageWarning: a step that imports modules outside the standard
// library and is left in the built-in python:3.12 image gets one warning,
// at its first cell, naming the modules and the ways to set an image; any
// image named anywhere in the chain silences it.
func TestDefaultImageWarning(t *testing.T) {
	const train = "step train imports pandas, sklearn, which are not in the Python standard library, " +
		"and runs in the default image python:3.12; set an image with base_image in the notebook metadata, " +
		"an image: tag on the step, or --base-image"
	withMD := func(k string, v any) map[string]any {
		m := maps.Clone(md)
		m[k] = v
		return m
	}
	tests := []struct {
		name  string
		md    map[string]any
		cells []cell
		opts  Options
		env   string
		// want lists the warnings as "cell N: message".
		want []string
	}{
		{name: "third-party imports in the default image",
			cells: []cell{mdc("# Train"), c("import os", "step:load"), mdc("text"),
				c("import pandas as pd\nfrom sklearn.tree import DecisionTreeClassifier", "step:train", "prev:load"), c("import pandas")},
			want: []string{"cell 4: " + train}},
		{name: "one module is named in the singular",
			cells: []cell{c("import torch.nn", "step:a")},
			want:  []string{"cell 1: step a imports torch, which is not in the Python standard library, and runs in the default image python:3.12; set an image with base_image in the notebook metadata, an image: tag on the step, or --base-image"}},
		{name: "the imports cell counts for every step, once each",
			cells: []cell{c("import numpy as np", "imports"), c("import numpy", "step:a"), c("x = 1", "step:b")},
			want:  []string{"cell 2: step a imports numpy, which is not", "cell 3: step b imports numpy, which is not"}},
		{name: "standard library only",
			cells: []cell{c("import os, json\nfrom collections import abc\nimport tomllib", "step:a")}},
		{name: "relative and guarded imports need nothing",
			cells: []cell{c("from . import helpers\ntry:\n    import dill\nexcept ImportError:\n    dill = None", "step:a")}},
		{name: "an image: tag silences its step only",
			cells: []cell{c("import pandas", "step:a", "image:me/ds:1"), c("import pandas", "step:b")},
			want:  []string{"cell 2: step b imports pandas, which is not"}},
		{name: "steps_defaults image", md: withMD("steps_defaults", []string{"image:me/ds:1"}),
			cells: []cell{c("import pandas", "step:a")}},
		{name: "notebook base_image", md: withMD("base_image", "me/ds:1"),
			cells: []cell{c("import pandas", "step:a")}},
		{name: "--base-image", opts: Options{BaseImage: "me/ds:1"},
			cells: []cell{c("import pandas", "step:a")}},
		{name: "the notebook pod's image", opts: Options{DefaultImage: "jupyter/scipy-notebook"},
			cells: []cell{c("import pandas", "step:a")}},
		{name: "$KALE_DEFAULT_BASE_IMAGE", env: "me/ds:1",
			cells: []cell{c("import pandas", "step:a")}},
		{name: "a notebook without tags is one step",
			md: md, cells: []cell{c("import xgboost"), c("print(1)")},
			want: []string{"cell 1: step notebook imports xgboost, which is not"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvDefaultBaseImage, tt.env)
			m := tt.md
			if m == nil {
				m = md
			}
			p := mustBuild(t, nb(t, m, tt.cells...), tt.opts)
			var got []string
			for _, d := range p.Diagnostics.Warnings() {
				if strings.Contains(d.Message, "in the default image") {
					got = append(got, d.Error())
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("image warnings %q, want %d like %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if prefix := "t.ipynb: " + w; !strings.HasPrefix(got[i], prefix) {
					t.Errorf("warning %q, want it to start with %q", got[i], prefix)
				}
			}
		})
	}
}
