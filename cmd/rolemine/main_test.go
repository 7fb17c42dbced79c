package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/*.txtar")

// TestScripts runs the end-to-end scenarios of testdata/*.txtar. Each
// archive's comment lists commands, one a line (`rolemine ARGS` or `cat
// FILE`; $WORK is the scenario's directory, holding the archive's files). The file "want" is the
// transcript: each command, its stdout and stderr, and its exit status.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			work := t.TempDir()
			var want []byte
			for _, f := range ar.Files {
				if f.Name == "want" {
					want = f.Data
					continue
				}
				p := filepath.Join(work, f.Name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := transcript(t, string(ar.Comment), work)
			if *update {
				writeWant(t, file, ar, got)
				return
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("transcript (-want +got):\n%s\n(run go test -run TestScripts -update to accept)", diff)
			}
		})
	}
}

func transcript(t *testing.T, script, work string) string {
	var out strings.Builder
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		args := strings.Fields(strings.ReplaceAll(line, "$WORK", work))
		if args[0] == "cat" {
			data, err := os.ReadFile(args[1])
			fmt.Fprintf(&out, "$ %s\n%s", line, data)
			if err != nil {
				fmt.Fprintf(&out, "%s\n", strings.ReplaceAll(err.Error(), work, "$WORK"))
			}
			continue
		}
		if args[0] != "rolemine" {
			t.Fatalf("script line %q: want rolemine ARGS or cat FILE", line)
		}
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args[1:], &stdout, &stderr)
		if err != nil && err != errHelp {
			fmt.Fprintf(&stderr, "rolemine: %v\n", err)
		}
		fmt.Fprintf(&out, "$ %s\n", line)
		for _, s := range []struct {
			name string
			buf  *bytes.Buffer
		}{{"stdout", &stdout}, {"stderr", &stderr}} {
			if s.buf.Len() > 0 {
				fmt.Fprintf(&out, "[%s]\n%s", s.name, strings.ReplaceAll(s.buf.String(), work, "$WORK"))
				if !strings.HasSuffix(s.buf.String(), "\n") {
					out.WriteString("\n")
				}
			}
		}
		fmt.Fprintf(&out, "[exit %d]\n", exitCode(err))
	}
	return out.String()
}

func writeWant(t *testing.T, file string, ar *txtar.Archive, got string) {
	var files []txtar.File
	for _, f := range ar.Files {
		if f.Name != "want" {
			files = append(files, f)
		}
	}
	ar.Files = append(files, txtar.File{Name: "want", Data: []byte(got)})
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{nil, 2},
		{[]string{"frobnicate"}, 2},
		{[]string{"ingest", "--no-such-flag"}, 2},
		{[]string{"ingest", "--db", filepath.Join(t.TempDir(), "x.duckdb")}, 2},
		{[]string{"help"}, 0},
		{[]string{"help", "ingest"}, 0},
		{[]string{"ingest", "--help"}, 0},
		{[]string{"ingest", "--db", filepath.Join(t.TempDir(), "x.duckdb"), "/no/such/file.csv"}, 1},
	}
	for _, tc := range tests {
		err := run(context.Background(), tc.args, &bytes.Buffer{}, &bytes.Buffer{})
		if got := exitCode(err); got != tc.want {
			t.Errorf("rolemine %q: exit %d (%v), want %d", tc.args, got, err, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := exitCode(ctx.Err()); got != 130 {
		t.Errorf("interrupted: exit %d, want 130", got)
	}
}

// rolemine --version and rolemine version print the module and a version.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		var stdout bytes.Buffer
		if err := run(context.Background(), args, &stdout, &bytes.Buffer{}); err != nil {
			t.Fatalf("rolemine %q: %v", args, err)
		}
		out := stdout.String()
		// A test binary is built without VCS stamping: the module and the
		// (devel) version are there, the commit is unknown.
		if !strings.HasPrefix(out, "rolemine ") || !strings.Contains(out, "\nmodule   rolemine\n") || !strings.Contains(out, "\ngo       go") {
			t.Errorf("rolemine %q printed:\n%s", args, out)
		}
	}
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "rolemine", Version: "v0.3.1-0.20260301020000-0123456789ab+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-03-01T02:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	var buf bytes.Buffer
	printVersion(&buf, bi)
	want := `rolemine v0.3.1-0.20260301020000-0123456789ab+dirty
module   rolemine
commit   0123456789abcdef0123456789abcdef01234567
time     2026-03-01T02:00:00Z
modified true
go       go1.26.0
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("printVersion (-want +got):\n%s", diff)
	}
}
