package compiler

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir holds the project's reference material (Kale notebooks, SDK
// compiled pipelines); KALE_SHARED overrides it.
func sharedDir() string {
	if d := os.Getenv("KALE_SHARED"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared")
}

func readShared(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedDir(), rel))
	if os.IsNotExist(err) {
		t.Skipf("%s not present (set KALE_SHARED)", rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}
