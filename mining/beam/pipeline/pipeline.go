// Package pipeline is distributed role mining on Apache Beam: a pipeline
// that reads the partitions of a snapshot (written by rolemine export
// --what partitions: Parquet files of identity_id, entitlement_id and a
// manifest), mines each partition in a ParDo, and writes the roles found,
// keyed by their content (package merge, MinedRole), as JSON Lines. Role
// ids are issued afterwards and centrally, by merge.Merge, never by a
// worker.
//
// Workers run the miners of package mining unchanged, with the defaults of
// rolemine mine: mining.Approx with mining.DefaultApproxOptions, or
// mining.Exact with mining.DefaultExactOptions and an objective, seeded
// as rolemine mine --seed seeds them. A role never spans two connected
// blocks, so for the exact miner with the fewest-roles objective the
// merged roles are those of mining the whole snapshot on one machine (see
// mining.Partition for the conditions).
//
// The package is pure Go (no cgo): the worker binary Beam ships to Flink,
// Spark or Dataflow must build with CGO_ENABLED=0. Files are opened through
// Beam's filesystem package, so partitions may live on any file system
// registered with it (local files here; gs:// or s3:// when their packages
// are imported).
package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"rolemine/datasets/export"
	"rolemine/features"
	"rolemine/mining"
	"rolemine/mining/beam/merge"
)

func init() {
	register.DoFn3x1[context.Context, PartitionFile, func(string, string), error](&mineFn{})
	register.Emitter2[string, string]()
	register.Function2x1(roleLine)
}

// Miner says how each partition is mined: Objective "" for mining.Approx
// with mining.DefaultApproxOptions (rolemine mine's default), "roles" or
// "wsc" for mining.Exact with that objective; Seed seeds the random source
// as rolemine mine --seed does (rand.NewPCG(Seed, Seed)).
type Miner struct {
	Objective string
	Seed      uint64
}

// DefaultMiner is rolemine mine without flags.
var DefaultMiner = Miner{Seed: 1}

// PartitionFile is one partition as the pipeline sees it: its number and
// the full path of its Parquet file.
type PartitionFile struct {
	ID   int
	Path string
}

// Files returns the partitions of manifest m, exported into dir, by
// ascending ID.
func Files(dir string, m export.PartitionManifest) []PartitionFile {
	var out []PartitionFile
	for _, p := range m.Partitions {
		out = append(out, PartitionFile{ID: p.ID, Path: strings.TrimSuffix(dir, "/") + "/" + p.Path})
	}
	return out
}

// Build adds to s the mining of the partitions parts, in no particular
// order and in parallel as the runner sees fit, and the writing of every
// role mined, one JSON MinedRole a line, to the file out. It panics (as
// Beam's construction does) on an invalid miner.
func Build(s beam.Scope, parts []PartitionFile, miner Miner, out string) {
	if _, err := miner.check(); err != nil {
		panic("pipeline: " + err.Error())
	}
	s = s.Scope("rolemine.mine")
	files := beam.Reshuffle(s, beam.CreateList(s, parts)) // spread the partitions over the workers
	roles := beam.ParDo(s, &mineFn{Objective: miner.Objective, Seed: miner.Seed}, files)
	textio.Write(s, out, beam.ParDo(s, roleLine, roles))
}

// check returns the exact options of m, nil for Approx.
func (m Miner) check() (*mining.ExactOptions, error) {
	if m.Objective == "" {
		return nil, nil
	}
	obj, err := mining.ParseObjective(m.Objective)
	if err != nil {
		return nil, err
	}
	opts := mining.DefaultExactOptions
	opts.Objective = obj
	return &opts, nil
}

// mineFn mines one partition and emits its roles keyed by content. Its
// fields are what Beam serialises to the workers.
type mineFn struct {
	Objective string `json:"objective"`
	Seed      uint64 `json:"seed"`
}

func (f *mineFn) ProcessElement(ctx context.Context, p PartitionFile, emit func(string, string)) error {
	m, err := ReadPartition(ctx, p.Path)
	if err != nil {
		return err
	}
	roles, err := Mine(ctx, m, p.ID, Miner{Objective: f.Objective, Seed: f.Seed})
	if err != nil {
		return fmt.Errorf("mine partition %d (%s): %w", p.ID, p.Path, err)
	}
	for _, r := range roles {
		data, err := json.Marshal(r)
		if err != nil {
			return err
		}
		emit(r.Key, string(data))
	}
	return nil
}

// roleLine drops the key of a mined role, whose JSON holds it.
func roleLine(_ string, role string) string { return role }

// Mine mines the matrix of partition id with miner and returns its roles
// by ids, as the workers of the pipeline do.
func Mine(ctx context.Context, m *features.Matrix, id int, miner Miner) ([]merge.MinedRole, error) {
	exact, err := miner.check()
	if err != nil {
		return nil, err
	}
	src := rand.NewPCG(miner.Seed, miner.Seed)
	var res *mining.Result
	if exact != nil {
		opts := *exact
		opts.Src = src
		res, err = mining.Exact(ctx, m, opts)
	} else {
		opts := mining.DefaultApproxOptions
		opts.Src = src
		res, err = mining.Approx(ctx, m, opts)
	}
	if err != nil {
		return nil, err
	}
	roles := make([]merge.MinedRole, len(res.Roles))
	for k, r := range res.Roles {
		mr := merge.MinedRole{Partition: id, Partial: r.Parent > 0}
		for _, j := range r.Entitlements {
			mr.Entitlements = append(mr.Entitlements, m.ColID(int(j)))
		}
		for _, i := range r.Members {
			mr.Members = append(mr.Members, m.RowID(int(i)))
		}
		slices.Sort(mr.Entitlements)
		slices.Sort(mr.Members)
		mr.Key = merge.ContentKey(mr.Entitlements)
		roles[k] = mr
	}
	for k, r := range res.Roles {
		if r.Parent > 0 {
			roles[k].Parent = roles[r.Parent-1].Key
		}
	}
	return roles, nil
}

// ReadPartition reads a partition's Parquet file (string columns
// identity_id and entitlement_id) into a matrix whose rows and columns are
// ordered by id, as rolemine mine orders the whole snapshot's, so that a
// partition is mined as the same part of the whole would be. Duplicate
// assignments collapse.
func ReadPartition(ctx context.Context, path string) (*features.Matrix, error) {
	data, err := readFile(ctx, path)
	if err != nil {
		return nil, err
	}
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer rr.Release()
	var ids, ents []string
	for rr.Next() {
		rec := rr.RecordBatch()
		is, err := features.StringColumn(rec, features.IdentityColumn)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		es, err := features.StringColumn(rec, features.EntitlementColumn)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for k := range is.Len() {
			if is.IsNull(k) || es.IsNull(k) {
				return nil, fmt.Errorf("%s: null id in row %d of a batch", path, k)
			}
			ids = append(ids, strings.Clone(is.Value(k)))
			ents = append(ents, strings.Clone(es.Value(k)))
		}
	}
	if err := rr.Err(); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b := features.NewMatrixBuilder()
	for _, id := range sortedUnique(ids) {
		b.AddRow(id)
	}
	for _, e := range sortedUnique(ents) {
		b.AddCol(e)
	}
	for k := range ids {
		b.Add(ids[k], ents[k])
	}
	return b.Build(), nil
}

func sortedUnique(s []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(s)))
}

// readFile reads a whole file through Beam's filesystem registry.
func readFile(ctx context.Context, path string) ([]byte, error) {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return nil, err
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}
