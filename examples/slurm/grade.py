"""Grade a class on Slurm: start the grading workers as Slurm jobs (dask-jobqueue), with TLS both
ways, and grade through them with the kit's own pipeline.

Run from the kit's checkout, on a file system the nodes share, on the login node
(``.venv/bin/python examples/slurm/grade.py SUBMISSIONS/ --assignment mlp``) or as a job of its
own (``sbatch examples/slurm/grade.sbatch SUBMISSIONS/ --assignment mlp``). ``--dry-run`` prints
the job script each worker job would get and submits nothing. ``PBSCluster``, ``SGECluster`` and
``LSFCluster`` take the same arguments; ``grade_batch(..., scheduler=client)`` takes any
connected client.
"""

import argparse
import sys
from pathlib import Path

import dask
from dask.distributed import Client
from dask_jobqueue import SLURMCluster

from autograder.grade.batch import grade_batch

KIT = Path(__file__).resolve().parents[2]  # the checkout this script belongs to

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("inputs", nargs="+", type=Path, help="submission files or folders")
parser.add_argument("-a", "--assignment", default="mlp")
parser.add_argument("--partition", default="grading", help="nodes that run workers as root")
parser.add_argument("--nodes", type=int, default=5, help="worker jobs, one node each")
parser.add_argument("--lanes", type=int, default=4, help="one-thread workers per node")
parser.add_argument("--memory-gb", type=int, default=4, help="per lane")
parser.add_argument("--walltime", default="02:00:00")
parser.add_argument("--dry-run", action="store_true", help="print the worker job script only")
args = parser.parse_args()

dask.config.set(
    {
        "distributed.scheduler.allowed-failures": 1,  # one retry, then `crashed`
        "distributed.scheduler.worker-saturation": 1.0,  # a worker holds only what it runs
    }
)
shared = Path.home() / ".kit-dask"  # on the shared file system, this user's only
shared.mkdir(mode=0o700, exist_ok=True)
cluster = SLURMCluster(
    queue=args.partition,  # a partition whose nodes run the workers as root (strong sandbox)
    cores=args.lanes,
    processes=args.lanes,  # one-thread workers: one lane each
    memory=f"{args.lanes * args.memory_gb}GB",
    walltime=args.walltime,
    python=sys.executable,  # the kit's .venv, on the shared file system
    job_script_prologue=[f"cd {KIT}"],
    security=True,  # TLS with a throw-away certificate: only this script and its workers
    shared_temp_directory=str(shared),  # where the jobs read the certificate
)
if args.dry_run:
    print(cluster.job_script())
else:
    cluster.scale(jobs=args.nodes)
    with Client(cluster) as client:
        grade_batch(args.inputs, assignment=args.assignment, scheduler=client)
cluster.close()
