package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// command is one subcommand. flags returns a fresh flag set bound to a fresh
// options value, and run runs with that value and the positional args.
type command struct {
	name, args, short, long string
	flags                   func() *pflag.FlagSet
	run                     func(ctx context.Context, env *env, args []string) error
}

// env is what a subcommand writes to, the batch it runs in and the flags
// it was given.
type env struct {
	stdout, stderr io.Writer
	batch          batchInfo      // zero outside rolemine run
	flags          *pflag.FlagSet // the command's parsed flags, for the record of its run
}

// logf writes a diagnostic line to stderr.
func (e *env) logf(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) }

// interactive reports whether stderr is a terminal (progress bars are shown
// only then).
func (e *env) interactive() bool {
	f, ok := e.stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

var errPflagHelp = pflag.ErrHelp

// commands lists the subcommands in the order help shows them.
func commands() []*command {
	return []*command{generateCommand(), ingestCommand(), mineCommand(), evaluateCommand(), triageCommand(), outcomesCommand(), scoreCommand(), hygieneCommand(), reviewCommand(), statusCommand(), runCommand(), runsCommand(), simulateCommand(), reportCommand(), exportCommand(), notebookCommand(), versionCommand()}
}

func lookup(name string) (*command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return nil, false
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	return fs
}

// dbFlag binds the --db flag shared by commands that use the store.
func dbFlag(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "db", "rolemine.duckdb", "DuckDB database file")
}
