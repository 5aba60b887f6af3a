"""The `audiosr` command: the same functions the notebooks call, from a shell.

    audiosr upsample IN... -o OUT --ratio 4 [--checkpoint PATH] [--device auto] [--force]
    audiosr score REF.wav EST.wav                # (`evaluate`, its old name, still works)
    audiosr prepare -f params/demo.yaml          # the data cache 01_data builds
    audiosr train -f params/demo.yaml            # what 03_train runs
    audiosr ship runs/<run> -o model.safetensors
    audiosr export model.safetensors -o model.onnx   (or .pt for TorchScript)
    audiosr report verdict --out figures/verdict  # README's verdict from the committed tables

User errors (bad files, wrong paths, wrong ratio) are one line on stderr and a non-zero exit,
never a traceback; in a batch the other files are still processed and a summary lists failures.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from audiosr.core.paths import WriteError
from audiosr.core.signals import run


class UserError(Exception):
    """A problem with the user's input: reported in one line."""


@contextlib.contextmanager
def one_line(*errors: type[Exception]):
    """Errors of these types become a UserError: one line on stderr, no traceback."""
    try:
        yield
    except errors as e:
        raise UserError(str(e)) from None


def _positive(text: str, minimum: int = 1, why: str = "") -> int:
    """An argparse type: a whole number of at least `minimum` (`why`: the reason for it)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < minimum:
        raise argparse.ArgumentTypeError(f"{n} must be at least {minimum}{why}")
    return n


MIN_HOP = 512  # low-res samples; a window's context is 150 to 550 on each side


def _hop(text: str) -> int:
    """An argparse type: a --hop of at least MIN_HOP. A smaller one saves no memory and mostly
    recomputes context (--hop 1 runs 70x slower)."""
    why = (
        "; every window also runs up to ~550 samples of context on each side, so a smaller hop "
        "mostly recomputes context (slower, no leaner)"
    )
    return _positive(text, MIN_HOP, why)


def _checkpoint_path(value: str | None) -> str | None:
    """A --checkpoint as the user meant it: a file relative to the current folder where one
    exists there, else a shipped model's name (or a path the loader resolves)."""
    if value == "":  # resolved from the repository, "" would name the repository itself
        raise UserError('"": an empty model path; name a model file, a run folder or a model.')
    if value and Path(value).exists():
        return str(Path(value).resolve())
    return value


def _inputs(paths: list[str]) -> list[tuple[Path, Path]]:
    """(file, name relative to its input argument) for every audio file, folders recursively."""
    from audiosr.core.audio import AUDIO_EXTENSIONS, list_audio

    found = []
    if "" in paths:  # Path("") is the current folder: never what an empty argument meant
        raise UserError('"": an empty input; name a file or folder ("." for this one).')
    for p in map(Path, paths):
        if p.is_dir():
            files = list_audio(p)
            if not files:
                raise UserError(f"{p}: no {', '.join(AUDIO_EXTENSIONS)} files in this folder.")
            found += [(f, f.relative_to(p)) for f in files]
        elif p.is_file():
            found.append((p, Path(p.name)))
        elif p.exists():  # a FIFO, a device (/dev/zero): nothing with a length to read
            raise UserError(f"{p}: not a regular file; give an audio file or a folder.")
        else:
            raise UserError(f"{p}: no such file or folder.")
    return found


def _targets(
    inputs: list[tuple[Path, Path]], out: Path, many: bool, force: bool
) -> list[tuple[Path, Path]]:
    if many:
        if out.exists() and not out.is_dir():
            raise UserError(f"{out}: several inputs need an output folder, and this is a file.")
        _check_folder(out.parent)
        pairs = [(f, out / rel) for f, rel in inputs]
    else:
        if out.is_dir():
            out = out / inputs[0][1]
        else:
            _check_folder(out.parent)
        pairs = [(inputs[0][0], out)]
    from audiosr.core.audio import AUDIO_EXTENSIONS

    claimed = {}
    for src, o in pairs:  # two inputs with the same name would write one output: refuse
        if o.resolve() in claimed:
            raise UserError(
                f"{claimed[o.resolve()]} and {src} would both be written to {o}; "
                "give them separate runs or outputs, or pass their folder to keep relative paths."
            )
        claimed[o.resolve()] = src
    sources = {f.resolve() for f, _ in inputs}
    for _, o in pairs:
        if o.resolve() in sources:
            raise UserError(
                f"{o}: is an input file; refusing to overwrite it (choose another output)."
            )
        if o.name.lower() in AUDIO_EXTENSIONS:  # ".wav" is a hidden file's name, no suffix
            raise UserError(f"{o}: an output needs a name before {o.name}, e.g. out{o.name}.")
        if o.suffix.lower() not in AUDIO_EXTENSIONS:
            raise UserError(f"{o}: output must end in {', '.join(AUDIO_EXTENSIONS)}.")
        if o.is_symlink() and not o.exists() and not force:  # a dangling link is a name taken
            raise UserError(f"{o}: a link to {os.readlink(o)}, which is missing; pass --force.")
        if o.exists() and not force:
            raise UserError(f"{o}: exists; pass --force to replace it.")
    return pairs


def _check_folder(folder: Path) -> None:
    """The folder an output goes in must exist; a file where it, or a folder above it, would be
    is named as what is in the way."""
    if folder.is_dir():
        return
    found = next(p for p in (folder, *folder.parents) if p.exists() or p == Path(p.anchor))
    if found.exists() and not found.is_dir():
        below = "" if found == folder else f" {folder}"
        raise UserError(f"{found}: a file is in the way of the output's folder{below}.")
    raise UserError(f"{folder}: the folder for the output does not exist.")


def _clean_partials_in(folder: Path) -> None:
    """Remove what a killed run left in `folder` (`paths.clean_partials`), saying so."""
    from audiosr.core.paths import clean_partials

    removed = clean_partials(folder) if folder.is_dir() else []
    if removed:
        print(
            f"removed {len(removed)} unfinished output(s) that a killed run left in {folder}",
            file=sys.stderr,
        )


@contextlib.contextmanager
def _removing_if_empty(made: list[Path]):
    """The folders in `made` (this run's own, listed as it makes them) are removed where they
    end empty: after failed files, Ctrl-C or SIGTERM; a folder that was there before never is."""
    try:
        yield
    finally:
        for d in sorted(made, key=lambda d: len(d.parts), reverse=True):  # the deepest first
            with contextlib.suppress(OSError):
                d.rmdir()


def cmd_upsample(args) -> int:
    from audiosr.core.audio import AudioError
    from audiosr.core.distrib import DeviceError, pick_device
    from audiosr.core.progress import bar as progress_bar
    from audiosr.core.progress import write as progress_write
    from audiosr.inference.files import output_subtype, upsample_file
    from audiosr.inference.shipped import load_any
    from audiosr.inference.windows import BrokenModelError
    from audiosr.networks.checkpoint import CheckpointError

    if not args.output:
        raise UserError('-o "": an empty output; name a file or folder ("." for this one).')
    inputs = _inputs(args.inputs)
    many = len(inputs) > 1 or any(Path(p).is_dir() for p in args.inputs)
    out = Path(args.output)
    try:
        pairs = _targets(inputs, out, many, args.force)
    except UserError:  # refused (outputs exist): still clear what a killed run left there
        _clean_partials_in(out if out.is_dir() else out.parent)
        raise
    for fmt in {dst.suffix.lstrip(".").upper() for _, dst in pairs} if args.subtype else ():
        with one_line(AudioError):
            output_subtype("", fmt, args.subtype)  # a bad --subtype is one error, not one per file
    with one_line(DeviceError):
        device = pick_device(args.device)
    for folder in sorted({dst.parent for _, dst in pairs if dst.parent.is_dir()}):
        _clean_partials_in(folder)
    with one_line(CheckpointError):
        model = load_any(_checkpoint_path(args.checkpoint), args.ratio, device)
    failed, made = [], []  # made: the folders this run makes for its outputs
    with _removing_if_empty(made):
        for src, dst in progress_bar(  # a bar on a terminal only: in a log it would be redraws
            pairs,
            desc="upsample",
            unit="file",
            disable=len(pairs) < 2 or args.quiet or not sys.stderr.isatty(),
        ):
            made += [d for d in (dst.parent, *dst.parent.parents) if not d.exists()]
            try:
                try:
                    dst.parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:  # a file in the way, no permission: this output only
                    raise AudioError(
                        f"{dst.parent}: could not be made ({e.strerror or e})."
                    ) from None
                note = upsample_file(
                    src,
                    dst,
                    model,
                    args.ratio,
                    device,
                    args.hop,
                    args.batch,
                    amp=device.type == "cuda" and args.batch > 1,
                    subtype=args.subtype,
                    replace=args.force,
                    progress=not args.quiet and sys.stderr.isatty(),
                    warn=lambda message: progress_write(f"warning: {message}", file=sys.stderr),
                    made_by=args.made_by,
                )
                if not args.quiet:
                    progress_write(f"{src} -> {dst}" + (f" ({note})" if note else ""))
            except AudioError as e:
                failed.append(str(e))
                progress_write(f"error: {e}", file=sys.stderr)
            except BrokenModelError as e:  # every file would fail alike: stop, naming the model
                name = args.checkpoint or f"the shipped model for r = {args.ratio}"
                raise UserError(f"{name}: {e} ({src}).") from None
    if failed:
        print(
            f"{len(pairs) - len(failed)} of {len(pairs)} files done; {len(failed)} failed:",
            file=sys.stderr,
        )
        for f in failed:
            print(f"  {f}", file=sys.stderr)
        return 1
    return 0


def cmd_score(args) -> int:
    import numpy as np
    import soundfile as sf

    from audiosr.core.audio import soundfile_reason
    from audiosr.core.metrics import MetricError, lsd, snr

    loaded = []
    for p in (args.reference, args.estimate):
        if not Path(p).is_file():
            raise UserError(f"{p}: {'not a regular file' if Path(p).exists() else 'no such file'}.")
        try:
            x, sr = sf.read(os.fsencode(p), dtype="float32", always_2d=True)
        except Exception as e:
            raise UserError(f"{p}: not readable audio ({soundfile_reason(e)}).") from None
        if not np.isfinite(x).all():
            raise UserError(f"{p}: contains NaN or inf samples; no score is meaningful.")
        loaded.append((x, sr))
    (ref, sr_r), (est, sr_e) = loaded
    if ref.shape[1] != est.shape[1]:
        raise UserError(
            f"{args.reference} has {ref.shape[1]} channel(s), {args.estimate} {est.shape[1]}; "
            "compare files with the same channels."
        )
    if sr_r != sr_e:
        raise UserError(
            f"sample rates differ: {sr_r} Hz vs {sr_e} Hz; compare files at the same rate."
        )
    from audiosr.core.perceptual import MEASURES, NO_REFERENCE, missing, scores, why_none

    channels = ref.shape[1]
    rows = []  # per channel (values, why a value is missing); all scored before any is printed
    with one_line(MetricError, ValueError):
        for c in range(channels):
            e, r = est[:, c], ref[:, c]
            values = {"SNR": float(snr(e, r))}
            values |= {f"LSD ({v})": float(lsd(e, r, v)) for v in ("paper", "code", "log10")}
            objective = scores(e, r, sr_r, MEASURES)
            why = {m: w for m, v in objective.items() if (w := why_none(m, v, e, r, sr_r))}
            # no-reference measures also score the reference: what the estimate could reach
            theirs = scores(r, r, sr_r, [m for m in NO_REFERENCE if m in objective])
            objective |= {f"{m} (reference)": v for m, v in theirs.items()}
            why |= {
                f"{m} (reference)": w
                for m, v in theirs.items()
                if (w := why_none(m, v, r, r, sr_r))
            }
            rows.append((values | objective, why))
    labels = [""] if channels == 1 else [f"channel {c + 1}: " for c in range(channels)]
    if channels > 1:
        print(f"{channels} channels: each scored on its own, then their mean")
        mean = {k: float(np.mean([v[k] for v, _ in rows])) for k in rows[0][0]}
        rows.append((mean, {k: w for _, why in rows for k, w in why.items()}))
        labels.append("mean: ")
    for head, (values, why) in zip(labels, rows):
        for name, value in values.items():
            if name in why:  # a measure with no value here: say why
                print(f"{head}{name} n/a ({why[name]})")
            elif name == "SNR":
                print(f"{head}SNR {value:.2f} dB")
            else:
                print(f"{head}{name} {value:.3f}" + (" (objective)" if name in MEASURES else ""))
    for line in missing():
        print(line)
    return 0


def cmd_prepare(args) -> int:
    from audiosr.data.patches import DatasetError, build_cache
    from audiosr.training.params import ParamsError, configs_from, load_params

    with one_line(ParamsError, DatasetError):
        p = load_params(args.params, args.set)
        cache = build_cache(configs_from(p).data, root=p.get("cache_root", "data/cache"))
    print(cache.folder)
    return 0


def cmd_ship(args) -> int:
    from audiosr.data.patches import DatasetError
    from audiosr.inference.shipped import ship
    from audiosr.networks.checkpoint import CheckpointError
    from audiosr.training.params import ParamsError, load_params
    from audiosr.training.runs import run_for_params

    if bool(args.run_dir) == bool(args.params):
        raise UserError(
            "ship: give a run folder, or -f PARAMS [--set ...] naming the run (not both)."
        )
    out = Path(args.output).resolve()  # paths typed here are relative to the current folder
    run_dir = args.run_dir and Path(args.run_dir).resolve()
    recipe = f"audiosr ship {args.run_dir} -o {args.output}"
    if args.params:
        sets = f" --set {' '.join(args.set)}" if args.set else ""
        files = " ".join(f"-f {f}" for f in args.params)
        with one_line(DatasetError, ParamsError):
            _, _, run_dir = run_for_params(load_params(args.params, args.set))
        recipe = f"audiosr train {files}{sets}; audiosr ship {files}{sets} -o {args.output}"
    with one_line(CheckpointError, OSError, ValueError):
        print(ship(run_dir, out, recipe, replace=args.force))
    return 0


def cmd_export(args) -> int:
    from audiosr.inference.export import export
    from audiosr.inference.shipped import load_any
    from audiosr.networks.checkpoint import CheckpointError

    source = _checkpoint_path(args.checkpoint)
    with one_line(CheckpointError):
        model = load_any(source, args.ratio)
    with one_line(OSError, ValueError):
        print(export(model, Path(args.output).resolve(), replace=args.force, source=source))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="audiosr", description="Audio super-resolution (Kuleshov et al. 2017)."
    )
    sub = ap.add_subparsers(dest="command", required=True)
    u = sub.add_parser("upsample", help="super-resolve wav/flac/ogg/mp3 files or folders")
    u.add_argument("inputs", nargs="+", help="files or folders (searched recursively)")
    u.add_argument("-o", "--output", required=True, help="output file (one input) or folder")
    u.add_argument(
        "--ratio", type=int, required=True, choices=(2, 3, 4, 5, 6, 8), help="upsampling ratio r"
    )
    u.add_argument(
        "--checkpoint",
        default=None,
        help=".safetensors or .pt; default: the shipped model for --ratio",
    )
    u.add_argument("--device", default="auto")
    u.add_argument("--force", action="store_true", help="replace existing outputs (never inputs)")
    u.add_argument(
        "--hop",
        type=_hop,
        default=16384,
        help=f"low-res samples per window (at least {MIN_HOP}): memory grows with it; small "
        "values repeat the context around every window (slower, and the windows' overhead raises "
        "memory too)",
    )
    u.add_argument("--batch", type=_positive, default=1, help="windows per forward pass (GPU)")
    u.add_argument(
        "--subtype",
        default=None,
        help="output sample format, e.g. PCM_16, PCM_24, FLOAT (default: the input's)",
    )
    u.add_argument(
        "--made-by",
        choices=("decimate",),
        default=None,
        help="how files already at the model's rate were made, where known: 'decimate' (scipy's, "
        "the paper's pipeline) skips the front end that evens out other makers' bands",
    )
    u.add_argument("-q", "--quiet", action="store_true")
    u.set_defaults(func=cmd_upsample)
    e = sub.add_parser(  # benchmarks are `python -m audiosr.evaluation`; this scores one pair
        "score",
        aliases=["evaluate"],
        help="SNR and LSD (all variants) of an estimate against a reference",
    )
    e.add_argument("reference")
    e.add_argument("estimate")
    e.set_defaults(func=cmd_score)
    s = sub.add_parser("prepare", help="build the data cache (01_data)")
    s.add_argument(
        "-f", "--params", required=True, action="append", help="repeat to apply in order"
    )
    s.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    s.set_defaults(func=cmd_prepare)
    from audiosr.training import command as training  # one training command under either name

    s = sub.add_parser("train", help="train from a params file (03_train)")
    training.add_arguments(s)
    s.set_defaults(func=training.command)
    s = sub.add_parser(
        "ship", help="a run's weights (its best epoch where kept) as a safetensors model"
    )
    s.add_argument("run_dir", nargs="?", help="a run folder, or name it with -f / --set")
    s.add_argument(
        "-f", "--params", action="append", help="the params file(s) the run was trained with"
    )
    s.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--force", action="store_true", help="replace an existing output file")
    s.set_defaults(func=cmd_ship)
    from audiosr.evaluation import report  # one report command under either name

    s = sub.add_parser("report", help="the reports made from written tables (verdict, summaries)")
    report.add_arguments(s)
    s.set_defaults(func=report.command)
    x = sub.add_parser("export", help="TorchScript (.pt) or ONNX (.onnx) of a trained model")
    x.add_argument("checkpoint")
    x.add_argument("-o", "--output", required=True)
    x.add_argument("--ratio", type=int, default=None)
    x.add_argument("--force", action="store_true", help="replace an existing output file")
    x.set_defaults(func=cmd_export)
    return run(_dispatch, ap.parse_args(argv))


def _dispatch(args) -> int:
    """The chosen command; a UserError, or an output that could not be written (a full disk, a
    read-only folder), is its one line on stderr and exit code 2."""
    try:
        return args.func(args)
    except (UserError, WriteError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
