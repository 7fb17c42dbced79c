package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"rolemine/datasets/schema"
)

// Format is a source file format.
type Format string

// Supported formats. FormatAuto picks one from the file name.
const (
	FormatAuto    Format = ""
	FormatCSV     Format = "csv"     // comma-separated, RFC 4180 quotes
	FormatTSV     Format = "tsv"     // tab-separated, the same quotes
	FormatParquet Format = "parquet" //
	FormatJSONL   Format = "jsonl"   // one JSON object per line
	FormatSCIM    Format = "scim"    // SCIM 2.0 ListResponses of Users and Groups (pages), see readSCIMExport
	FormatPairs   Format = "pairs"   // whitespace-separated `user permission` lines
	FormatEntra   Format = "entra"   // Microsoft Graph JSON of an Entra ID tenant, see readEntraExport
	FormatOkta    Format = "okta"    // Okta API JSON (/api/v1/users, groups, apps), see readOktaExport
)

// Formats lists the explicit formats. SCIM, Entra and Okta are directory
// exports: the files of one export load together (see ExportSources).
var Formats = []Format{FormatCSV, FormatTSV, FormatParquet, FormatJSONL, FormatSCIM, FormatPairs, FormatEntra, FormatOkta}

// ParseFormat returns the format called name.
func ParseFormat(name string) (Format, error) {
	f := Format(strings.ToLower(name))
	if f == FormatAuto || slices.Contains(Formats, f) {
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want one of csv, tsv, parquet, jsonl, scim, pairs, entra, okta)", name)
}

// Source is one file to load.
type Source struct {
	Path   string
	Table  string // canonical table; "" = from the file name (identities.csv → identities)
	Format Format
	// Map names, for canonical columns, the source column holding them
	// (canonical → source). Unmapped canonical columns are matched by name,
	// ignoring case.
	Map map[string]string
	// ApprovedValues and DeniedValues, when set, are the source values of
	// the decision column meaning approved and denied (e.g. "1" and "0").
	ApprovedValues, DeniedValues []string
	// export lists the files of the directory export (SCIM, Entra, Okta)
	// the source is one of, in load order; set by ExportSources and
	// SourcesInDir. A source of such a format without it is an export of
	// one file.
	export []string
}

// resolve fills in Table and Format from the file name where they are empty.
func (src Source) resolve() (Source, error) {
	base := strings.ToLower(filepath.Base(src.Path))
	if src.Format == FormatAuto {
		src.Format = formatFromName(base)
	}
	if src.Format == FormatAuto {
		return src, fmt.Errorf("%s: cannot tell the format from the file name; give --format", src.Path)
	}
	if src.Table == "" {
		switch {
		case src.Format.IsExport():
			// An export fills identities, accounts, entitlements and assignments.
		case src.Format == FormatPairs:
			src.Table = schema.Assignments.Name
		default:
			src.Table = strings.SplitN(base, ".", 2)[0]
		}
	}
	if !src.Format.IsExport() {
		if _, ok := schema.Lookup(src.Table); !ok {
			return src, fmt.Errorf("%s: %q is not a canonical table (want one of %s); give --table",
				src.Path, src.Table, strings.Join(schema.Names(), ", "))
		}
	}
	return src, nil
}

func formatFromName(base string) Format {
	switch {
	case strings.HasSuffix(base, ".scim.json"):
		return FormatSCIM
	case strings.HasSuffix(base, ".csv"):
		return FormatCSV
	case strings.HasSuffix(base, ".tsv"), strings.HasSuffix(base, ".tab"):
		return FormatTSV
	case strings.HasSuffix(base, ".parquet"):
		return FormatParquet
	case strings.HasSuffix(base, ".jsonl"), strings.HasSuffix(base, ".ndjson"):
		return FormatJSONL
	case strings.HasSuffix(base, ".txt"), strings.HasSuffix(base, ".pairs"):
		return FormatPairs
	}
	return FormatAuto
}

// SourcesInDir lists the canonical files of dir: for each canonical table, a
// file named after it (identities.csv, assignments.parquet, …), plus any
// *.scim.json files, which are the pages of one SCIM export. Other files are
// ignored. It is an error if dir holds no
// canonical file or two files for one table.
func SourcesInDir(dir string) ([]Source, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var sources []Source
	seen := map[string]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := strings.ToLower(e.Name())
		f := formatFromName(name)
		table := strings.SplitN(name, ".", 2)[0]
		if _, ok := schema.Lookup(table); (!ok || f == FormatAuto || f == FormatPairs) && f != FormatSCIM {
			continue
		}
		if f != FormatSCIM {
			if prev, dup := seen[table]; dup {
				return nil, fmt.Errorf("%s: two files for table %s: %s and %s", dir, table, prev, e.Name())
			}
			seen[table] = e.Name()
		}
		sources = append(sources, Source{Path: filepath.Join(dir, e.Name()), Format: f})
	}
	var scim []string
	for _, s := range sources {
		if s.Format == FormatSCIM {
			scim = append(scim, s.Path)
		}
	}
	for k := range sources {
		if sources[k].Format == FormatSCIM {
			sources[k].export = scim // the pages of one SCIM export
		}
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("%s: no canonical files (want files named after tables: %s)", dir, strings.Join(schema.Names(), ", "))
	}
	// Load in schema order so references point to tables loaded before.
	order := func(s Source) int {
		t := strings.SplitN(strings.ToLower(filepath.Base(s.Path)), ".", 2)[0]
		return slices.Index(schema.Names(), t)
	}
	slices.SortStableFunc(sources, func(a, b Source) int { return order(a) - order(b) })
	return sources, nil
}
