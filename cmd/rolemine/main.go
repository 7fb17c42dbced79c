// Command rolemine is the identity-governance batch tool: it loads
// entitlement data into an embedded DuckDB database, mines roles, scores and
// evaluates access recommendations, triages requests and prepares reviews.
//
// main is thin: run does the work and returns an error that exitCode maps to
// the process status (0 ok, 1 failure, 2 usage, 130 interrupted).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	limitGoMemory()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, errHelp) {
		fmt.Fprintln(os.Stderr, "rolemine:", err)
	}
	os.Exit(exitCode(err))
}

// usageError is a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errHelp is returned after help was printed on request (exit status 0).
var errHelp = errors.New("help requested")

// exitCode is the one mapping of errors to exit statuses.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	}
	return 1
}

// run executes the command line args (without the program name), writing
// results to stdout and diagnostics to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stderr)
		return usagef("no command given")
	}
	name, rest := args[0], args[1:]
	if name == "--version" {
		name = "version"
	}
	switch name {
	case "help", "-h", "--help":
		if len(rest) == 0 {
			printUsage(stdout)
			return nil
		}
		cmd, ok := lookup(rest[0])
		if !ok {
			return usagef("unknown command %q (see rolemine help)", rest[0])
		}
		fs := cmd.flags()
		fmt.Fprintf(stdout, "usage: rolemine %s %s\n\n%s\n\nflags:\n%s", cmd.name, cmd.args, cmd.long, fs.FlagUsages())
		return nil
	}
	cmd, ok := lookup(name)
	if !ok {
		printUsage(stderr)
		return usagef("unknown command %q", name)
	}
	fs := cmd.flags()
	fs.SetOutput(io.Discard)
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, errPflagHelp) {
			fmt.Fprintf(stdout, "usage: rolemine %s %s\n\n%s\n\nflags:\n%s", cmd.name, cmd.args, cmd.long, fs.FlagUsages())
			return errHelp
		}
		return usagef("%s: %v (see rolemine help %s)", cmd.name, err, cmd.name)
	}
	env := &env{stdout: stdout, stderr: stderr, flags: fs}
	defer startProfile(stderr)()
	return cmd.run(ctx, env, fs.Args())
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: rolemine COMMAND [flags] [args]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "\nrolemine help COMMAND shows a command's flags.")
}
