package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/pflag"
)

func versionCommand() *command {
	return &command{
		name: "version", args: "",
		short: "print the version and the commit rolemine was built from (also --version)",
		long: `Prints the module and its version, and the version control commit, its time
and whether the checkout had uncommitted changes, as go build recorded them (a
binary built inside a git checkout, e.g. by make build, has them).`,
		flags: func() *pflag.FlagSet { return newFlagSet("version") },
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 0 {
				return usagef("version: unexpected arguments %q", args)
			}
			bi, ok := debug.ReadBuildInfo()
			if !ok {
				return fmt.Errorf("version: the binary holds no build information")
			}
			printVersion(e.stdout, bi)
			return nil
		},
	}
}

// printVersion writes the module, its version and the VCS settings of bi.
func printVersion(w io.Writer, bi *debug.BuildInfo) {
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	fmt.Fprintf(w, "rolemine %s\n", version)
	fmt.Fprintf(w, "module   %s\n", bi.Main.Path)
	if rev, ok := settings["vcs.revision"]; ok {
		fmt.Fprintf(w, "commit   %s\n", rev)
		fmt.Fprintf(w, "time     %s\n", settings["vcs.time"])
		fmt.Fprintf(w, "modified %s\n", settings["vcs.modified"])
	} else {
		fmt.Fprintln(w, "commit   unknown (not built by go build inside a git checkout)")
	}
	fmt.Fprintf(w, "go       %s\n", bi.GoVersion)
}
