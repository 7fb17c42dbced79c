package main

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// runParameters returns what the runs table records as a run's
// parameters: every flag of the command with the value it ran with, given
// or default, keyed by the flag's name in snake_case (--target-precision
// is target_precision, --db is db). Every command that records a run
// builds its parameters here, so that the keys of all commands look alike
// and name the flag to set. Numbers and booleans keep their JSON types;
// list flags are lists. A nil flag set gives an empty map.
func runParameters(fs *pflag.FlagSet) map[string]any {
	params := map[string]any{}
	if fs == nil {
		return params
	}
	fs.VisitAll(func(f *pflag.Flag) {
		params[strings.ReplaceAll(f.Name, "-", "_")] = flagValue(f.Value)
	})
	return params
}

// flagValue is the value of a flag for JSON.
func flagValue(v pflag.Value) any {
	if sv, ok := v.(pflag.SliceValue); ok {
		return append([]string{}, sv.GetSlice()...)
	}
	s := v.String()
	switch v.Type() {
	case "bool":
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64", "count":
		if x, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) {
			return json.Number(s)
		}
	}
	return s
}

// parameters returns the run parameters of the command e runs (see
// runParameters).
func (e *env) parameters() map[string]any { return runParameters(e.flags) }
