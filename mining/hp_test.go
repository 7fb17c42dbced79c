package mining

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rolemine/datasets/shareddata"
	"rolemine/features"
)

// hpDir holds the HP role mining benchmark matrices (Ene et al. 2008).
var hpDir = shareddata.Path("hp")

// loadHP reads an HP benchmark file: one `user permission` pair of 1-based
// integers per line.
func loadHP(tb testing.TB, name string) *features.Matrix {
	tb.Helper()
	f, err := os.Open(filepath.Join(hpDir, name))
	if os.IsNotExist(err) {
		tb.Skipf("SKIPPING: HP benchmark data %s not found; the exact-mining targets are NOT being tested", filepath.Join(hpDir, name))
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	b := features.NewMatrixBuilder()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			tb.Fatalf("%s:%d: want 2 fields, got %d", name, line, len(fields))
		}
		b.Add(fields[0], fields[1])
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(fmt.Errorf("%s: %w", name, err))
	}
	return b.Build()
}
