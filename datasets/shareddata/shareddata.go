// Package shareddata locates the real data that tests and benchmarks
// measure against: the HP Labs role-mining matrices and the Amazon access
// decisions, kept outside the repository in shared/data beside it (see its
// README). Nothing here reads the files.
package shareddata

import (
	"os"
	"path/filepath"
	"runtime"
)

// Dir returns the shared data folder: $ROLEMINE_SHARED/data when the
// variable is set, else shared/data beside the repository's root.
func Dir() string {
	if d := os.Getenv("ROLEMINE_SHARED"); d != "" {
		return filepath.Join(d, "data")
	}
	_, file, _, _ := runtime.Caller(0) // <root>/datasets/shareddata/shareddata.go
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	return filepath.Join(filepath.Dir(root), "shared", "data")
}

// Path returns the path of a file or folder under Dir, e.g.
// Path("amazon", "access_decisions.csv").
func Path(elem ...string) string {
	return filepath.Join(append([]string{Dir()}, elem...)...)
}
