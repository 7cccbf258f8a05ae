package pipeline

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kubeflow-kale/kale/pkg/diag"
)

// metricLineRx is Kale's metrics line: print(<var>) with a lowercase
// variable name of at most 64 characters (docs/kale-compatibility.md#metrics).
var metricLineRx = regexp.MustCompile(`^print\(\s*([a-z](?:[_a-z0-9]{0,62}[a-z0-9])?)\s*\)$`)

// parseMetrics reads the pipeline-metrics cells: one print(var) per line.
// Blank and comment lines are allowed.
func parseMetrics(nbName string, cells []sourceCell, diags *diag.List) []Metric {
	var out []Metric
	seen := map[string]bool{}
	for _, c := range cells {
		for i, line := range strings.Split(c.Source, "\n") {
			t := strings.TrimSpace(line)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			if j := strings.Index(t, "#"); j > 0 && !strings.ContainsAny(t[:j], `'"`) {
				t = strings.TrimSpace(t[:j])
			}
			m := metricLineRx.FindStringSubmatch(t)
			if m == nil {
				diags.Add(diag.Diagnostic{Severity: diag.Error, Notebook: nbName, Cell: c.Cell, Line: i + 1, Tag: "pipeline-metrics",
					Message: fmt.Sprintf("pipeline-metrics: %q is not print(<variable>): the metrics cell holds only print statements of single variables, "+
						"whose names are lowercase letters, digits and _, start with a letter, end with a letter or digit, at most 64 characters", truncateStr(t, 60))})
				continue
			}
			if seen[m[1]] {
				continue
			}
			seen[m[1]] = true
			out = append(out, Metric{Name: strings.ReplaceAll(m[1], "_", "-"), Variable: m[1]})
		}
	}
	return out
}
