package compiler

import (
	"sort"
	"strconv"
	"strings"
)

// namer hands out the DAG task names (also used for component and executor
// names): the step name in lower-case kebab form, as the KFP SDK sanitises
// names, made unique with a numeric suffix when two steps map to the same
// name (load_data and load__data both give load-data).
type namer struct {
	used map[string]bool
}

func newNamer() *namer { return &namer{used: map[string]bool{"root": true}} }

func (n *namer) name(step string) string {
	base := kebab(step)
	if base == "" {
		base = "step"
	}
	name := base
	for i := 2; n.used[name]; i++ {
		name = base + "-" + strconv.Itoa(i)
	}
	n.used[name] = true
	return name
}

// kebab lower-cases s, turns every run of characters other than [a-z0-9]
// into one dash and trims dashes at both ends.
func kebab(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

// displayName is Kale's task display name: the step name with _ replaced by
// - and "-step" appended.
func displayName(step string) string {
	return strings.ReplaceAll(step, "_", "-") + "-step"
}

func componentName(task string) string { return "comp-" + task }
func executorName(task string) string  { return "exec-" + task }

func sortStrings(s []string) { sort.Strings(s) }
