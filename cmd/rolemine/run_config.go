package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
)

// runConfig is a nightly batch configuration file: top-level lines set
// rolemine run's own flags, and a [command] section sets that stage's
// flags, by the same names as on the command line:
//
//	# /etc/rolemine/nightly.conf
//	db = /var/lib/rolemine/rolemine.duckdb
//	input = /srv/extracts/tonight
//	out = /var/lib/rolemine/nightly
//	refit-days = 7
//
//	[evaluate]
//	target-precision = 0.99
//
//	[triage]
//	qa-share = 0.05
//
// Blank lines and lines starting with # are ignored.
type runConfig struct {
	top      []setting
	sections map[string][]setting
}

type setting struct {
	key, value string
	line       int
}

// readRunConfig parses the file at path; errors name its line.
func readRunConfig(path string, stages []string) (*runConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := &runConfig{sections: map[string][]setting{}}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.TrimSpace(line[1 : len(line)-1])
			if !slices.Contains(stages, section) {
				return nil, fmt.Errorf("%s:%d: unknown section [%s]; stages are %s", path, n, section, strings.Join(stages, ", "))
			}
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want key = value, got %q", path, n, line)
		}
		s := setting{strings.TrimSpace(key), strings.TrimSpace(value), n}
		if section == "" {
			c.top = append(c.top, s)
		} else {
			c.sections[section] = append(c.sections[section], s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// args returns the settings of a stage as command-line flags.
func (c *runConfig) args(stage string) []string {
	var args []string
	for _, s := range c.sections[stage] {
		args = append(args, "--"+s.key+"="+s.value)
	}
	return args
}
