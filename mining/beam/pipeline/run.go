package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/direct"

	"rolemine/mining/beam/merge"
)

func init() {
	beam.RegisterType(reflect.TypeFor[PartitionFile]())
}

// MinedFile is the file of the mined roles in a Job's Out directory.
const MinedFile = "mined_roles.jsonl"

// Job is one distributed mining run: its partitions, its miner, and where
// the merged run goes.
type Job struct {
	Parts []PartitionFile
	Miner Miner
	// Out is the directory of the merged run (see merge.Write); the
	// pipeline writes the mined roles to Out/MinedFile.
	Out string
	// Previous is the directory of the previous merged run, whose ids the
	// roles continue; "" for none.
	Previous string
}

// Run runs j's pipeline on the named Beam runner ("direct" runs it in this
// process) and then, here and not on a worker, merges the mined roles into
// a run with stable ids, writes it into j.Out and returns it. The merge
// reads the mined roles from the local file system, so with a remote runner
// j.Out must be a directory both the workers and this process see.
func Run(ctx context.Context, runner string, j Job) (merge.Run, error) {
	prev := merge.Run{}
	if j.Previous != "" {
		var err error
		if prev, err = merge.Read(j.Previous); err != nil {
			return merge.Run{}, fmt.Errorf("previous run: %w", err)
		}
	}
	p, s := beam.NewPipelineWithRoot()
	mined := filepath.Join(j.Out, MinedFile)
	Build(s, j.Parts, j.Miner, mined)
	if _, err := beam.Run(ctx, runner, p); err != nil {
		return merge.Run{}, fmt.Errorf("pipeline on the %s runner: %w", runner, err)
	}
	roles, err := merge.ReadMined(mined)
	if err != nil {
		return merge.Run{}, err
	}
	run, err := merge.Merge(roles, prev)
	if err != nil {
		return merge.Run{}, err
	}
	return run, merge.Write(j.Out, run)
}
