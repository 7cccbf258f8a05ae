package compiler

import (
	"fmt"
	"strings"

	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Hand-built pipeline models, shaped like what pipeline.FromNotebook
// produces, so the compiler can be tested on its own.

func boolp(b bool) *bool { return &b }

func code(cell int, src string) []pipeline.CodeBlock {
	return []pipeline.CodeBlock{
		{Kind: pipeline.CodeImports, Cell: 0, Source: "import math"},
		{Kind: pipeline.CodeStep, Cell: cell, Source: src},
	}
}

// twoStep: a produces x, b loads it and reads the parameter n.
func twoStep() *pipeline.Pipeline {
	return &pipeline.Pipeline{
		Name:       "two-step",
		Experiment: "exp",
		Caching:    true,
		Parameters: []pipeline.Parameter{{Name: "n", Type: pipeline.Int, Default: int64(3)}},
		Steps: []*pipeline.Step{
			{Name: "a", Cell: 2, Outs: []string{"x"}, Code: code(2, "x = 1")},
			{Name: "b", Cell: 3, After: []string{"a"}, Ins: []string{"x"}, Producers: map[string]string{"x": "a"},
				Parameters: []string{"n"}, Code: code(3, "print(x * n)")},
		},
	}
}

// titanicLike is a model the size of the titanic example: one loader, a
// preprocessing chain, five parallel trainers and a results step with
// metrics.
func titanicLike() *pipeline.Pipeline {
	p := &pipeline.Pipeline{
		Name:        "titanic-ml",
		Experiment:  "titanic",
		Description: "Predict survival on the Titanic",
		Caching:     true,
		Parameters: []pipeline.Parameter{
			{Name: "PREDICTION_LABEL", Type: pipeline.Str, Default: "Survived"},
			{Name: "seed", Type: pipeline.Int, Default: int64(42)},
		},
	}
	big := strings.Repeat("df = df.fillna(0)  # a line of typical notebook code\n", 40)
	p.Steps = append(p.Steps,
		&pipeline.Step{Name: "loaddata", Cell: 5, Outs: []string{"test_df", "train_df"}, Code: code(5, big)},
		&pipeline.Step{Name: "datapreprocessing", Cell: 8, After: []string{"loaddata"},
			Ins: []string{"test_df", "train_df"}, Producers: map[string]string{"test_df": "loaddata", "train_df": "loaddata"},
			Outs: []string{"test_df", "train_df"}, Code: code(8, big)},
		&pipeline.Step{Name: "featureengineering", Cell: 12, After: []string{"datapreprocessing"},
			Ins: []string{"test_df", "train_df"}, Producers: map[string]string{"test_df": "datapreprocessing", "train_df": "datapreprocessing"},
			Outs: []string{"train_df", "train_labels"}, Parameters: []string{"PREDICTION_LABEL"}, Code: code(12, big)},
	)
	var accs []string
	for _, m := range []string{"decisiontree", "logisticregression", "naivebayes", "randomforest", "svm"} {
		acc := "acc_" + m
		accs = append(accs, acc)
		p.Steps = append(p.Steps, &pipeline.Step{Name: m, Cell: 20, After: []string{"featureengineering"},
			Ins: []string{"train_df", "train_labels"}, Producers: map[string]string{"train_df": "featureengineering", "train_labels": "featureengineering"},
			Outs: []string{acc}, Parameters: []string{"seed"}, Code: code(20, big),
			Limits: map[string]string{"cpu": "1", "memory": "2Gi"}})
	}
	results := &pipeline.Step{Name: "results", Cell: 40, Producers: map[string]string{}, Code: code(40, "print(acc_svm)")}
	for i, acc := range accs {
		results.After = append(results.After, p.Steps[3+i].Name)
		results.Ins = append(results.Ins, acc)
		results.Producers[acc] = p.Steps[3+i].Name
	}
	p.Steps = append(p.Steps, results)
	p.Metrics = []pipeline.Metric{{Name: "acc-svm", Variable: "acc_svm", Step: "results"}}
	return p
}

// generated builds a pipeline of n steps in a chain with fan-out: step i
// loads the variable of steps i-1 and i-7, as a 500-cell notebook with a
// step every cell would.
func generated(n int) *pipeline.Pipeline {
	p := &pipeline.Pipeline{Name: "generated", Experiment: "gen", Caching: true,
		Parameters: []pipeline.Parameter{{Name: "scale", Type: pipeline.Float, Default: 1.5}}}
	for i := 0; i < n; i++ {
		s := &pipeline.Step{Name: fmt.Sprintf("step_%d", i), Cell: i, Outs: []string{fmt.Sprintf("v%d", i)},
			Producers: map[string]string{}, Parameters: []string{"scale"},
			Code: code(i, fmt.Sprintf("v%d = %d * scale\n", i, i))}
		for _, back := range []int{1, 7} {
			if j := i - back; j >= 0 {
				v := fmt.Sprintf("v%d", j)
				s.Ins = append(s.Ins, v)
				s.Producers[v] = p.Steps[j].Name
			}
		}
		if i > 0 {
			s.After = []string{p.Steps[i-1].Name}
		}
		sortStringsInPlace(s.Ins)
		p.Steps = append(p.Steps, s)
	}
	return p
}

func sortStringsInPlace(s []string) { sortStrings(s) }

// kubernetesOptions uses every Kubernetes-side setting.
func kubernetesOptions() *pipeline.Pipeline {
	p := twoStep()
	p.Name = "k8s-options"
	p.Volumes = []pipeline.Volume{
		{Name: "data-pvc", MountPath: "/data", Type: "pvc", ExposeAsEnv: true},
		{Name: "scratch", MountPath: "/scratch", Type: "pvc"},
		{Name: "old", MountPath: "/old", Type: "new_pvc"},
	}
	a := p.Steps[0]
	a.Labels = map[string]string{"team": "ml", "access-ml-pipeline": "true"}
	a.Annotations = map[string]string{"example.com/url": "http://x.y:80"}
	a.Secrets = []pipeline.SecretEnv{
		{Env: "DB_PASS", Secret: "db", Key: "password"},
		{Env: "API_KEY", Secret: "api", Key: "key"},
		{Env: "DB_USER", Secret: "db", Key: "user"},
	}
	a.Limits = map[string]string{"nvidia.com/gpu": "2", "ephemeral-storage": "1Gi"}
	a.Image = "python:3.11-slim"
	a.Caching = boolp(false)
	p.Steps[1].Report = boolp(false)
	p.Diagnostics = diag.List{{Severity: diag.Warning, Cell: 1, Message: "a model warning"}}
	return p
}
