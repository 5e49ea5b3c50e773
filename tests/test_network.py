"""pyleo on the Aleo network: `pyleo deploy`, `pyleo execute`, `pyleo verify TX.json`, `--broadcast`.

The oracle is snarkVM itself, through aleo-sdk called directly (not through pyleo): a transaction decodes from
its JSON and bytes, its ID is recomputed, its execution and fee verify (``verify_execution``, ``verify_fee``), and
its fee is the cost ``Process.deployment_cost`` / ``execution_cost`` computes. Broadcasts go to
tests/network_node.py, a stand-in node on 127.0.0.1 in a separate process that verifies every transaction with
snarkVM before it answers. One small program (examples/scorer.py's linear_scorer); its deployment and keys come
from the key cache after the first run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyleo import limits, loader, network, split, trust, vm
from pyleo.errors import InputError, LimitError

ROOT = Path(__file__).resolve().parents[1]
SCORER = ROOT / "examples" / "scorer.py"
NODE = Path(__file__).with_name("network_node.py")
ARGS = ["[1, 2, 3, 4]", "10"]


def sdk() -> Any:
    from aleo import mainnet

    return mainnet


def pyleo(*args: str, cwd: Path, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PRIVATE_KEY"}
    if key is not None:
        env["PRIVATE_KEY"] = key
    return subprocess.run([sys.executable, "-m", "pyleo_cli.main", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def assert_clean_failure(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


@pytest.fixture(scope="module")
def program() -> str:
    return loader.load(SCORER).programs["linear_scorer"].aleo()


@pytest.fixture(scope="module")
def key() -> str:
    return str(sdk().PrivateKey.random())


def start_node(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, str(NODE), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    assert port.isdigit(), "the stand-in node did not start"
    return proc, f"http://127.0.0.1:{port}"


def stop_node(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(10)


@pytest.fixture(scope="module")
def node() -> Iterator[str]:
    proc, url = start_node()
    yield url
    stop_node(proc)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, key: str, node: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """linear_scorer deployed: signed with $PRIVATE_KEY, proved against the stand-in node, broadcast to it."""
    cwd = tmp_path_factory.mktemp("deploy")
    proc = pyleo("deploy", str(SCORER), "--out", "dep.tx.json", "--endpoint", node, "--broadcast", cwd=cwd, key=key)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, cwd / "dep.tx.json"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory, key: str, node: str,
             deployed: Any) -> tuple[subprocess.CompletedProcess[str], Path]:
    """linear_scorer.score([1, 2, 3, 4], 10) executed with the key read from ./.env, broadcast to the node."""
    cwd = tmp_path_factory.mktemp("execute")
    (cwd / ".env").write_text(f"# the signer\nPRIVATE_KEY={key}\n")
    proc = pyleo("execute", str(SCORER), "score", *ARGS, "--out", "exe.tx.json", "--endpoint", node, "--broadcast",
                 cwd=cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, cwd / "exe.tx.json"


def decode(path: Path) -> tuple[Any, dict[str, Any]]:
    """The transaction (aleo-sdk) and its JSON; its ID recomputed from its bytes."""
    doc = json.loads(path.read_text())
    tx = sdk().Transaction.from_json(json.dumps(doc))
    assert tx.id == doc["id"]
    assert sdk().Transaction.from_bytes(bytes(tx.bytes())).id == doc["id"]
    return tx, doc


def microcredits(text: str, what: str) -> int:
    line = next(line for line in text.splitlines() if line.startswith(what))
    m = re.search(r"\(([\d,]+) microcredits\)", line)
    assert m, line
    return int(m.group(1).replace(",", ""))


@pytest.mark.prove
@pytest.mark.needs_params
def test_dry_run_cost_is_snarkvms(deployed: Any, executed: Any, program: str, tmp_path: Path, key: str) -> None:
    proc = pyleo("deploy", str(SCORER), "--dry-run", cwd=tmp_path, key=key)
    assert proc.returncode == 0, proc.stderr
    printed = microcredits(proc.stdout, "deployment cost")
    tx, doc = decode(deployed[1])
    process = sdk().Process.load()
    process.add_program(sdk().Program.from_source(program))
    deployment = sdk().Deployment.from_json(json.dumps(doc["deployment"]))
    assert printed == process.deployment_cost(deployment) == tx.base_fee_amount
    assert microcredits(proc.stdout, "  namespace") == limits.MICROCREDITS_PER_CREDIT   # 1 credit from 10 characters
    assert microcredits(proc.stdout, "  storage, synthesis and constructor") == printed - limits.MICROCREDITS_PER_CREDIT
    assert "warning" not in proc.stderr   # a 13-character name pays the base namespace fee only
    assert list(tmp_path.iterdir()) == [] and "nothing written: --dry-run" in proc.stdout
    costed = pyleo("cost", str(SCORER), "--deployment", cwd=tmp_path)
    assert costed.returncode == 0 and microcredits(costed.stdout, "deployment cost") == printed
    # the execution cost, computed without proving, is what snarkVM charges the proved transaction
    executed_tx, _ = decode(executed[1])
    (total, _parts) = process.execution_cost(executed_tx.execution())
    assert microcredits(costed.stdout, "execution cost of score") == microcredits(proc.stdout, "execution cost of score") \
        == total == executed_tx.base_fee_amount
    assert f"linear_scorer.aleo: {len(program.encode()):,} program bytes (the network takes at most " \
           f"{limits.MAX_PROGRAM_BYTES:,}" in costed.stdout
    # the namespace rule against snarkVM's totals: named `scorer` (6 characters), the program costs 10^4 credits
    # where `linear_scorer` costs 1; storage and synthesis differ only by the 7 bytes of the name
    short = tmp_path / "short.py"
    short.write_text(SCORER.read_text().replace('"linear_scorer"', '"scorer"'))
    shorter = microcredits(pyleo("deploy", str(short), "--dry-run", cwd=tmp_path).stdout, "deployment cost")
    rest = printed - limits.namespace_fee("linear_scorer"), shorter - limits.namespace_fee("scorer")
    assert shorter > 10_000 * limits.MICROCREDITS_PER_CREDIT and 0 < rest[0] - rest[1] < 10 * 1000


@pytest.mark.prove
@pytest.mark.needs_params
def test_deployment_transaction(deployed: Any, program: str, key: str) -> None:
    proc, path = deployed
    tx, doc = decode(path)
    assert doc["type"] == "deploy" and str(tx.deployed_program().source) == program
    process = sdk().Process.load()
    fee = sdk().Fee.from_json(json.dumps(doc["fee"]))
    assert process.verify_fee(fee, sdk().Deployment.from_json(json.dumps(doc["deployment"])).deployment_id()) is None
    assert f'the node answered "{tx.id}"' in proc.stdout      # the stand-in verified it
    assert key not in path.read_text() + proc.stdout + proc.stderr
    verdict = trust.verify(path, trust.Trusted(programs=loader.load(SCORER).programs))
    assert verdict.valid and verdict.kind == "deployment transaction" and verdict.program_id == "linear_scorer.aleo"


@pytest.mark.prove
@pytest.mark.needs_params
def test_execution_transaction(deployed: Any, executed: Any, program: str, key: str) -> None:
    proc, path = executed
    tx, doc = decode(path)
    _, dep = decode(deployed[1])
    process = sdk().Process.load()
    parsed = sdk().Program.from_source(program)
    process.add_program(parsed)
    (name, (vk, _)), = dep["deployment"]["verifying_keys"]
    process.insert_verifying_key(parsed.id, sdk().Identifier.from_string(name), sdk().VerifyingKey.from_string(vk))
    execution = tx.execution()
    assert process.verify_execution(execution) is None
    assert process.verify_fee(sdk().Fee.from_json(json.dumps(doc["fee"])), execution.execution_id) is None
    (total, _parts) = process.execution_cost(execution)
    assert tx.base_fee_amount == total == microcredits(proc.stdout, "execution cost")
    assert [o["value"] for o in execution.transitions()[0].outputs()] == ["27i64"]
    assert f'the node answered "{tx.id}"' in proc.stdout
    assert key not in path.read_text() + proc.stdout + proc.stderr
    out = pyleo("verify", str(path), "--model", str(SCORER), cwd=path.parent)
    assert out.returncode == 0, out.stderr
    assert "valid: linear_scorer.aleo/score" in out.stdout and "public output: 27i64" in out.stdout
    assert "public input 2: 10i64" in out.stdout and "output: 27i64  (public)" in proc.stdout


@pytest.mark.prove
@pytest.mark.needs_params
def test_signed_with_the_key_file_given(deployed: Any, tmp_path: Path, key: str) -> None:
    """--private-key-file wins over $PRIVATE_KEY: the fee is paid by its account (offline: the local stand-in)."""
    mine = str(sdk().PrivateKey.random())
    (tmp_path / "signer.key").write_text(mine + "\n")
    proc = pyleo("deploy", str(SCORER), "--private-key-file", "signer.key", "--out", "d.json", cwd=tmp_path, key=key)
    assert proc.returncode == 0, proc.stderr
    tx, doc = decode(tmp_path / "d.json")
    fee = sdk().Fee.from_json(json.dumps(doc["fee"]))
    assert str(fee.payer) == str(sdk().PrivateKey.from_string(mine).address) != str(sdk().PrivateKey.from_string(key).address)
    assert mine not in (tmp_path / "d.json").read_text() + proc.stdout + proc.stderr


@pytest.mark.prove
@pytest.mark.needs_params
def test_altered_or_foreign_transaction_rejected(executed: Any, tmp_path: Path) -> None:
    path = executed[1]
    altered = tmp_path / "altered.tx.json"
    altered.write_text(path.read_text().replace('"27i64"', '"28i64"'))
    assert_clean_failure(pyleo("verify", str(altered), "--model", str(SCORER), cwd=tmp_path))
    other = tmp_path / "zero.py"   # the same program name, other weights: another program
    other.write_text(SCORER.read_text().replace("W = [3, -1, 4, 1]", "W = [0, 0, 0, 0]"))
    assert_clean_failure(pyleo("verify", str(path), "--model", str(other), cwd=tmp_path),
                         "INVALID: snarkVM rejects the transaction's execution")
    assert_clean_failure(pyleo("verify", str(path), cwd=tmp_path), "names its program by ID only")


@pytest.mark.prove
@pytest.mark.needs_params
def test_forged_transactions_rejected(executed: Any, tmp_path: Path) -> None:
    """A swapped proof (the fee's in the execution's place), a changed ID, a changed fee amount: snarkVM (read
    directly) refuses each, and so does `pyleo verify`, with a clear message."""
    doc = json.loads(executed[1].read_text())
    swapped = json.loads(json.dumps(doc))
    swapped["execution"]["proof"] = doc["fee"]["proof"]
    renamed = {**doc, "id": sdk().Transaction.from_json(json.dumps(doc)).id[:-4] + "qqqq"}
    for name, forged in (("swapped", swapped), ("renamed", renamed)):
        path = tmp_path / f"{name}.tx.json"
        path.write_text(json.dumps(forged))
        with pytest.raises(Exception):   # noqa: B017 - snarkVM's own refusal, whatever its type
            t = sdk().Transaction.from_json(json.dumps(forged))
            process = sdk().Process.load()
            process.add_program(sdk().Program.from_source(loader.load(SCORER).programs["linear_scorer"].aleo()))
            process.verify_execution(t.execution())
        assert_clean_failure(pyleo("verify", str(path), "--model", str(SCORER), cwd=tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["renamed.tx.json", "swapped.tx.json"]


@pytest.mark.prove
@pytest.mark.needs_params
def test_verify_a_transaction_fetched_by_id(executed: Any, node: str, tmp_path: Path) -> None:
    """`pyleo verify --tx-id ID --endpoint URL` fetches what the stand-in node accepted and verifies it, bound to
    the model; an ID the node does not have is a clear error."""
    tx_id = json.loads(executed[1].read_text())["id"]
    out = pyleo("verify", "--tx-id", tx_id, "--endpoint", node, "--model", str(SCORER), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "valid: linear_scorer.aleo/score" in out.stdout and "public output: 27i64" in out.stdout
    other = tx_id[:-4] + ("qqqq" if not tx_id.endswith("qqqq") else "pppp")
    assert_clean_failure(pyleo("verify", "--tx-id", other, "--endpoint", node, "--model", str(SCORER), cwd=tmp_path),
                         "answered 404")
    assert_clean_failure(pyleo("verify", "--tx-id", "nonsense", "--endpoint", node, cwd=tmp_path),
                         "is not a transaction ID")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.prove
@pytest.mark.needs_params
def test_fee_too_low(executed: Any, program: str, key: str, node: str) -> None:
    signer = network.parse_private_key(key, "the test key")
    with pytest.raises(InputError, match="below the execution's cost"):
        network.execute_transaction(program, "score", ["[1i64, 2i64, 3i64, 4i64]", "10i64"], signer, base_fee=1)
    tx, doc = decode(executed[1])   # the same execution, paid 1 microcredit: a valid fee proof, too low a fee
    execution = tx.execution()
    fee = network.prove_fee(vm.keys.load_program(program), signer, 1, 0, execution.execution_id,
                            network.chain_head(None))
    cheap = json.loads(network.transaction_json(sdk().Transaction.from_execution(execution, fee)))
    verdict = trust.verify(cheap, trust.Trusted(programs=loader.load(SCORER).programs))
    assert not verdict.valid and "fee is too low" in (verdict.reason or "")
    with pytest.raises(network.NodeError, match="400.*fee too low"):
        network.Node(node).broadcast(json.dumps(cheap))


@pytest.mark.prove
@pytest.mark.needs_params
def test_another_networks_node_rejects(deployed: Any) -> None:
    """A testnet node (the stand-in, serving testnet with aleo.testnet) rejects a mainnet deployment: its fee
    does not verify there."""
    proc, url = start_node("--network", "testnet")
    try:
        with pytest.raises(network.NodeError, match="400"):
            network.Node(url, "testnet").broadcast(deployed[1].read_text())
        with pytest.raises(network.NodeError, match="404"):
            network.Node(url, "mainnet").height()
    finally:
        stop_node(proc)


def test_networks_pyleo_does_not_sign_for(tmp_path: Path, key: str) -> None:
    for command in (["execute", str(SCORER), "score", *ARGS, "--out", "t.json", "--network", "canary"],
                    ["deploy", str(SCORER), "--network", "canary"], ["deploy", str(SCORER), "--network", "devnet"]):
        assert_clean_failure(pyleo(*command, cwd=tmp_path, key=key),
                             "--network must be" if "devnet" in command else "aleo-sdk has no canary module")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow   # the mainnet transactions above take the same path; testnet synthesizes keys of its own
@pytest.mark.prove
@pytest.mark.needs_params
def test_a_testnet_transaction(tmp_path: Path, key: str, node: str) -> None:
    """--network testnet proves with aleo.testnet (its own keys, cached apart); the fee verifies on testnet
    (aleo.testnet directly), and mainnet's verifiers name it a testnet transaction."""
    proc = pyleo("execute", str(SCORER), "score", *ARGS, "--out", "t.json", "--network", "testnet", cwd=tmp_path, key=key)
    assert proc.returncode == 0, proc.stderr
    from aleo import testnet

    doc = json.loads((tmp_path / "t.json").read_text())
    tx = testnet.Transaction.from_json(json.dumps(doc))
    assert testnet.Process.load().verify_fee(testnet.Fee.from_json(json.dumps(doc["fee"])),
                                             tx.execution().execution_id) is None
    assert_clean_failure(pyleo("verify", "t.json", "--model", str(SCORER), cwd=tmp_path),
                         "INVALID: this is a testnet transaction")
    with pytest.raises(network.NodeError, match="400"):
        network.Node(node).broadcast(json.dumps(doc))


def test_keys_missing_or_malformed(tmp_path: Path, key: str) -> None:
    execute = ["execute", str(SCORER), "score", *ARGS, "--out", "t.json"]
    assert_clean_failure(pyleo(*execute, cwd=tmp_path), "no private key", "PRIVATE_KEY")
    assert_clean_failure(pyleo(*execute, cwd=tmp_path, key="hunter2"), "$PRIVATE_KEY is not an Aleo private key")
    # malformed for certain: a character outside base58 ('0'), a digit short. (Changed base58 digits are not
    # enough: Aleo private keys carry no checksum, and 12 of 200 random keys with their last four digits
    # replaced by "AAAA" were other valid keys, measured with aleo-sdk 0.8.0.)
    for bad in (key[:-1] + "0", key[:-1]):
        proc = pyleo(*execute, cwd=tmp_path, key=bad)
        assert_clean_failure(proc, "$PRIVATE_KEY is not a valid Aleo private key")
        assert bad not in proc.stdout + proc.stderr
    assert_clean_failure(pyleo(*execute, "--private-key-file", "absent.key", cwd=tmp_path), "cannot read the private key file")
    (tmp_path / ".env").write_text("PRIVATE_KEY='APrivateKey1nope'\n")
    assert_clean_failure(pyleo(*execute, cwd=tmp_path), f"PRIVATE_KEY in {tmp_path / '.env'} is not a valid")
    assert_clean_failure(pyleo("deploy", str(SCORER), "--broadcast", cwd=tmp_path), "--broadcast needs --endpoint")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]


@pytest.mark.prove
@pytest.mark.needs_params
def test_deploy_without_key_writes_nothing(tmp_path: Path) -> None:
    proc = pyleo("deploy", str(SCORER), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "nothing written: no private key" in proc.stdout and list(tmp_path.iterdir()) == []


def test_endpoint_that_does_not_answer(tmp_path: Path, key: str) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)    # accepts connections, never answers
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))   # bound, not listening: connections are refused
    try:
        for sock in (silent, closed):
            start = time.monotonic()
            proc = pyleo("execute", str(SCORER), "score", *ARGS, "--out", "t.json", "--endpoint",
                         f"http://127.0.0.1:{sock.getsockname()[1]}", cwd=tmp_path, key=key)
            assert_clean_failure(proc, "did not answer")
            assert time.monotonic() - start < network.TIMEOUT_S + 20
    finally:
        silent.close()
        closed.close()
    assert list(tmp_path.iterdir()) == []


def test_a_node_that_drips_or_floods_its_answer_is_an_error_in_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """A node that sends its answer a byte at a time held `pyleo verify --tx-id` for each read's timeout again and
    again (hours for a megabyte), and one that sent more than a megabyte was cut unread ("not JSON"): the whole
    answer must come within the timeout and within the largest answer its API gives."""
    from pyleo.network import node as rest

    monkeypatch.setattr(rest, "TIMEOUT_S", 1.0)
    monkeypatch.setattr(rest, "MAX_ANSWER_BYTES", 1000)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(2)

    def serve(flood: bool) -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
            with contextlib.suppress(OSError):
                for _ in range(100):
                    conn.sendall(b"1" * 2000 if flood else b"1")
                    time.sleep(0 if flood else 0.1)

    try:
        for flood, needle in ((False, "did not finish answering"), (True, "more than 1,000 bytes")):
            threading.Thread(target=serve, args=(flood,), daemon=True).start()
            start = time.monotonic()
            with pytest.raises(network.NodeError, match=needle):
                network.Node(f"http://127.0.0.1:{server.getsockname()[1]}").height()
            assert time.monotonic() - start < 5
    finally:
        server.close()


def test_tx_id_needs_an_endpoint_that_answers(tmp_path: Path) -> None:
    """(The node's 4xx/5xx and non-JSON answers take the same path as for `execute`, tested above.)"""
    tx = "at1" + "q" * 59
    assert_clean_failure(pyleo("verify", "--tx-id", tx, cwd=tmp_path), "--tx-id ID with --endpoint URL")
    proc, url = start_node("--answer", "200", "--body", '{"id": "at1other"}')
    try:
        assert_clean_failure(pyleo("verify", "--tx-id", tx, "--endpoint", url, cwd=tmp_path),
                             "something other than that transaction")
    finally:
        stop_node(proc)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("status,body,needle", [
    ("500", "oops", "answered 500"), ("404", "Not Found", "answered 404"), ("200", "not json", "not JSON"),
    ("200", '"garbage"', "as the latest block height"),
])
def test_node_answering_errors_or_garbage(tmp_path: Path, key: str, status: str, body: str, needle: str) -> None:
    proc, url = start_node("--answer", status, "--body", body)
    try:
        out = pyleo("execute", str(SCORER), "score", *ARGS, "--out", "t.json", "--endpoint", url, "--broadcast",
                    cwd=tmp_path, key=key)
        assert_clean_failure(out, needle)
    finally:
        stop_node(proc)
    assert list(tmp_path.iterdir()) == []


def test_namespace_fee_of_short_names(tmp_path: Path) -> None:
    credit = limits.MICROCREDITS_PER_CREDIT
    assert limits.namespace_fee("linear_scorer.aleo") == limits.namespace_fee("abcdefghij") == credit
    assert limits.namespace_fee("scorer") == 10_000 * credit   # 10^(10-6) credits
    assert limits.namespace_fee("abcdefghi") == 10 * credit
    short = tmp_path / "short.py"
    short.write_text(SCORER.read_text().replace('"linear_scorer"', '"scorer"'))
    proc = pyleo("build", str(short), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert proc.returncode == 0 and "namespace fee of 10,000 credits (10,000,000,000 microcredits)" in proc.stderr
    assert "names of 10+ characters pay 1 credit" in proc.stderr
    assert "warning" not in pyleo("build", str(SCORER), "--out", str(tmp_path / "b2"), cwd=tmp_path).stderr
    assert limits.derived_program_name("svc") == "svc_zk_model" and limits.namespace_warning("svc_zk_model") is None
    for example in ("scorer.py", "credit.py", "iris_mlp.py"):
        for name in loader.load(ROOT / "examples" / example).programs:
            assert limits.namespace_warning(name) is None, f"examples/{example}: {name}"


def test_deployment_limits_named_with_their_consensus_version() -> None:
    fits = [network.FunctionSize("f", 1000, 1000)]
    network.check_deployment_limits("x" * 100, "some_program.aleo", fits)
    cases = [
        ("x" * (limits.MAX_PROGRAM_BYTES + 1), "some_program.aleo", fits, "MAX_PROGRAM_BYTES, consensus V16"),
        ("x", "some_program.aleo", fits * (limits.MAX_FUNCTIONS + 1), "MAX_FUNCTIONS"),
        ("x", "some_program.aleo", [network.FunctionSize("f", limits.MAINNET_BUDGET + 1, 1)],
         "MAINNET_BUDGET, consensus V19"),
        ("x", "some_program.aleo", [network.FunctionSize("f", 1, limits.MAX_DEPLOYMENT_VARIABLES + 1)],
         "MAX_DEPLOYMENT_VARIABLES, consensus V19"),
        ("x", "p" * (limits.MAX_IDENTIFIER_LENGTH + 1) + ".aleo", fits, "MAX_IDENTIFIER_LENGTH"),
    ]
    for text, program_id, sizes, needle in cases:
        with pytest.raises(LimitError, match=needle):
            network.check_deployment_limits(text, program_id, sizes)


def test_limit_history_ends_with_todays_limits() -> None:
    for name, versions in limits.HISTORY.items():
        assert versions[-1] == (limits.SINCE[name].removeprefix("consensus "), getattr(limits, name)), name
        assert [v for _, v in versions] == sorted(v for _, v in versions), name   # the limits only grew


LONG = """
import pyleo as pl


@pl.function
def long(x: pl.Public[pl.Array[pl.I64, 4]], b: pl.Public[pl.I64]) -> pl.Public[pl.I64]:
    acc: pl.I64 = b
    for i in range(12):
        acc = acc * 3 + x[i % 4]
    return acc


prog = pl.Program("long_chain_model", [long])
"""


@pytest.mark.needs_params
def test_a_circuit_over_the_local_parameters_points_to_its_split(tmp_path: Path) -> None:
    """~17,100 constraints: the network takes it whole, this machine cannot synthesize it (degree 17)."""
    model = tmp_path / "long.py"
    model.write_text(LONG)
    assert_clean_failure(pyleo("deploy", str(model), "--dry-run", cwd=tmp_path), "degree-17", "--split FUNCTION")


@pytest.mark.slow
@pytest.mark.needs_params
def test_deploy_a_split_program(tmp_path: Path) -> None:
    """Its split program (the one `pyleo prove --split` proves) deploys: 4 functions here, 25 s of synthesis."""
    model = tmp_path / "long.py"
    model.write_text(LONG)
    proc = pyleo("deploy", str(model), "--split", "long", "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    plan = loader.load(model).programs["long_chain_model"].split_plan("long")
    assert proc.stdout.startswith(f"{split.split_program_name('long_chain_model', 'long')}.aleo: "
                                  f"{len(plan.parts)} function(s)")
    process = sdk().Process.load()
    process.add_program(sdk().Program.from_source(plan.text))
    deployment = process.deploy(sdk().Program.from_source(plan.text), sdk().PrivateKey.random().address)
    assert microcredits(proc.stdout, "deployment cost") == process.deployment_cost(deployment)


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_a_split_function_as_one_transaction_per_part(tmp_path: Path, key: str, node: str) -> None:
    """Over the local parameters, `long` executes split: one transaction per part, each with its fee. The split
    program deployed to the stand-in node, every part's transaction broadcast and accepted (snarkVM verified
    them there); `pyleo verify --model` binds them to the model's own split, and a file with its transactions
    reordered, one dropped, an output changed or bound to another model is rejected."""
    model = tmp_path / "long.py"
    model.write_text(LONG)
    deployed = pyleo("deploy", str(model), "--split", "long", "--out", "d.json", "--endpoint", node, "--broadcast",
                     cwd=tmp_path, key=key)
    assert deployed.returncode == 0, deployed.stderr
    proc = pyleo("execute", str(model), "long", "[1, 2, 3, 4]", "5", "--out", "t.json", "--endpoint", node,
                 "--broadcast", cwd=tmp_path, key=key)
    assert proc.returncode == 0, proc.stderr
    prog = loader.load(model).programs["long_chain_model"]
    plan = prog.split_plan("long")
    doc = json.loads((tmp_path / "t.json").read_text())
    assert doc["format"] == trust.SPLIT_TRANSACTIONS_FORMAT and len(doc["transactions"]) == len(plan.parts) > 1
    process = sdk().Process.load()
    process.add_program(sdk().Program.from_source(plan.text))
    for part, tx_doc in zip(plan.parts, doc["transactions"]):
        tx = sdk().Transaction.from_json(json.dumps(tx_doc))
        (transition,) = tx.execution().transitions()
        assert str(transition.function_name) == part.name
        assert f'the node answered "{tx.id}"' in proc.stdout    # the stand-in verified it with snarkVM
        total, _ = process.execution_cost(tx.execution())
        assert tx.base_fee_amount == total
    last = sdk().Transaction.from_json(json.dumps(doc["transactions"][-1])).execution().transitions()[0]
    assert [o["value"] for o in last.outputs()][-1] == f"{prog.run('long', [1, 2, 3, 4], 5)}i64"
    out = pyleo("verify", "t.json", "--model", str(model), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"split in {len(plan.parts)} parts" in out.stdout and f"public output: {prog.run('long', [1, 2, 3, 4], 5)}i64" in out.stdout
    forged = {
        "reordered": {**doc, "transactions": doc["transactions"][::-1]},
        "dropped": {**doc, "transactions": doc["transactions"][:-1]},
        "altered": json.loads(json.dumps(doc).replace(f'"{prog.run("long", [1, 2, 3, 4], 5)}i64"', '"7i64"')),
    }
    for name, forgery in forged.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(forgery))
        assert_clean_failure(pyleo("verify", f"{name}.json", "--model", str(model), cwd=tmp_path), "INVALID")
    other = tmp_path / "other.py"
    other.write_text(LONG.replace("acc * 3", "acc * 5"))
    assert_clean_failure(pyleo("verify", "t.json", "--model", str(other), cwd=tmp_path), "INVALID")
    # the last part's transaction alone, bound to the split program: it carries the function's output but proves
    # nothing of its inputs (the incoming link is the prover's choice)
    (tmp_path / "split.aleo").write_text(plan.text)
    (tmp_path / "last.json").write_text(json.dumps(doc["transactions"][-1]))
    alone = pyleo("verify", "last.json", "--program", "split.aleo", cwd=tmp_path)
    assert_clean_failure(alone, "INVALID")
    assert f"is part {len(plan.parts) - 1} of a split proof of `long`" in alone.stderr + alone.stdout


def iris_tree(tmp_path: Path) -> tuple[Any, Any, Path]:
    """tests/test_batch_forgery.py's depth-2 iris tree (the same program, so the same cached keys), its rows
    0, 60, 120 (classes 0, 1, 2) and its model file."""
    import numpy as np
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    from stdlib_ml.convert import from_sklearn

    X, y = load_iris(return_X_y=True)
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    path = tmp_path / "tree.py"
    from_sklearn(model, X).save(path)
    rows = X[[0, 60, 120]]
    np.save(tmp_path / "rows.npy", rows)
    return model, rows, path


@pytest.mark.slow   # its own deployment synthesis (~18 s cold); the default set's deploy --dry-run is the scorer's
@pytest.mark.prove
@pytest.mark.needs_params
def test_dry_run_cost_of_a_converted_tree_is_snarkvms(tmp_path: Path) -> None:
    """`pyleo deploy --dry-run` of a converted scikit-learn tree prints snarkVM's Process.deployment_cost of its
    deployment (the one pyleo synthesized and keeps in the key cache: the program's text, keys derived from it),
    and writes nothing; the execution cost printed is snarkVM's for an execution of predict."""
    _, _, path = iris_tree(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = pyleo("deploy", str(path), "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    program = loader.load(path).programs["decision_tree_classifier"].aleo()
    doc = json.loads((vm.keys_dir(program) / network.transactions.DEPLOYMENT_FILE).read_text())
    assert doc["program"] == program
    (name, (vk, _)), = doc["verifying_keys"]
    assert name == "predict" and vk.strip() == vm.verifying_key(program, "predict").strip()
    process = sdk().Process.load()
    process.add_program(sdk().Program.from_source(program))
    assert microcredits(proc.stdout, "deployment cost") == process.deployment_cost(sdk().Deployment.from_json(json.dumps(doc)))
    assert 1000 < microcredits(proc.stdout, "execution cost of predict") < 5000
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_dry_run_cost_of_a_digits_mlp_is_snarkvms(tmp_path: Path) -> None:
    """The same for scikit-learn's MLP 64-8-10 on the digits (its deployment synthesized: ~1 min here)."""
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    from stdlib_ml.convert import from_sklearn

    X, y = load_digits(return_X_y=True)
    with pytest.warns(Warning):   # scikit-learn's: not converged in 300 iterations
        model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=0).fit(X, y)
    path = tmp_path / "digits_mlp.py"
    from_sklearn(model, X).save(path)
    proc = pyleo("deploy", str(path), "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    program = loader.load(path).programs["mlp_classifier"].aleo()
    doc = json.loads((vm.keys_dir(program) / network.transactions.DEPLOYMENT_FILE).read_text())
    assert doc["program"] == program
    process = sdk().Process.load()
    process.add_program(sdk().Program.from_source(program))
    assert microcredits(proc.stdout, "deployment cost") == process.deployment_cost(sdk().Deployment.from_json(json.dumps(doc)))


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_rows_per_proof_as_one_transaction(tmp_path: Path, key: str) -> None:
    """`pyleo execute MODEL predict --rows R -k 3`: the model's batch program (what `prove-batch -k 3` proves)
    executes the 3 rows in one transaction; `pyleo verify --model` derives the batch program from the model and
    reports the labels scikit-learn predicts, and the rows the proof names."""
    model, rows, path = iris_tree(tmp_path)
    proc = pyleo("execute", str(path), "predict", "--rows", "rows.npy", "-k", "3", "--out", "t.json", cwd=tmp_path, key=key)
    assert proc.returncode == 0, proc.stderr
    labels = "[" + ", ".join(f"{int(c)}u8" for c in model.predict(rows)) + "]"
    doc = json.loads((tmp_path / "t.json").read_text())
    (transition,) = doc["execution"]["transitions"]
    assert transition["program"] == "decision_tree_classifier_rows3.aleo" and transition["function"] == "predict_rows"
    out = pyleo("verify", "t.json", "--model", str(path), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"public output: {labels}" in out.stdout and "public input 1: [0u32, 3u32, 3u32]" in out.stdout
    other = tmp_path / "other"
    other.mkdir()
    _, _, other_path = iris_tree(other)
    other_path.write_text(other_path.read_text().replace("decision_tree_classifier", "decision_tree_other"))
    assert_clean_failure(pyleo("verify", "t.json", "--model", str(other_path), cwd=tmp_path), "not the transaction's")


def test_rows_that_need_more_than_one_proof_are_refused(tmp_path: Path, key: str) -> None:
    _, _, path = iris_tree(tmp_path)
    assert_clean_failure(pyleo("execute", str(path), "predict", "--rows", "rows.npy", "-k", "2", "--out", "t.json",
                               cwd=tmp_path, key=key), "has 3 rows; one transaction of 2 rows per proof proves at most 2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.npy", "tree.py"]


@pytest.mark.slow
def test_rows_given_wrongly_are_refused(tmp_path: Path, key: str) -> None:
    _, _, path = iris_tree(tmp_path)
    for extra, needle in ((["-k", "0"], "positive number"), (["[1, 2, 3, 4]"], "not both")):
        assert_clean_failure(pyleo("execute", str(path), "predict", "--rows", "rows.npy", *extra, "--out", "t.json",
                                   cwd=tmp_path, key=key), needle)
    assert_clean_failure(pyleo("execute", str(SCORER), "score", "--rows", "rows.npy", "--out", "t.json", cwd=tmp_path,
                               key=key), "converted model")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.npy", "tree.py"]


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.needs_params
def test_the_web_apps_costs_and_transaction(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, key: str) -> None:
    """The web app's Aleo block: the wine tree's deployment cost is aleo-sdk's (Process.deploy and
    deployment_cost called directly), its execution cost the proved transaction's; the transaction the page
    offers verifies bound to the model (`pyleo.trust.verify`), and without a server key the page is told why."""
    from fastapi.testclient import TestClient

    from pyleo_cli.web.app import create_app

    monkeypatch.chdir(tmp_path)   # no ./.env here
    monkeypatch.delenv("PRIVATE_KEY", raising=False)
    with TestClient(create_app()) as c:
        page = c.post("/api/models/example/wine_tree").json()
        features = [row["low"] if row["low"] is not None else 0.0 for row in page["features"]]
        refused = c.post(f"/api/models/{page['id']}/transaction", json={"features": features})
        assert refused.status_code == 400 and "no private key" in refused.json()["error"]
    monkeypatch.setenv("PRIVATE_KEY", key)    # the server's key, read by its worker processes
    with TestClient(create_app()) as c:
        page = c.post("/api/models/example/wine_tree").json()
        costs = c.get(f"/api/models/{page['id']}/network-costs").json()
        answer = c.post(f"/api/models/{page['id']}/transaction", json={"features": features})
        assert answer.status_code == 200, answer.text
        model_file = tmp_path / "wine.py"
        model_file.write_text(page["source"])
    program = loader.load(model_file).programs[page["name"]].aleo()
    process = sdk().Process.load()
    parsed = sdk().Program.from_source(program)
    process.add_program(parsed)
    assert costs["deployment"] == process.deployment_cost(process.deploy(parsed, sdk().PrivateKey.random().address))
    tx = sdk().Transaction.from_json(answer.text)
    assert costs["execution"] == tx.base_fee_amount == process.execution_cost(tx.execution())[0]
    assert key not in answer.text
    verdict = trust.verify(json.loads(answer.text), trust.Trusted(programs=loader.load(model_file).programs))
    assert verdict.valid and verdict.kind == "execution transaction", verdict.reason


@pytest.mark.prove
@pytest.mark.needs_params
def test_a_public_model_binds_the_function_a_transaction_executes(executed: Any) -> None:
    """A public model file names the function its proofs are of, and a proof of another function of its program is
    refused (pyleo verify --public-model); an execution transaction of another function was accepted."""
    from pyleo import trust

    program = loader.load(SCORER).programs["linear_scorer"].aleo()
    doc = json.loads(executed[1].read_text())
    honest = trust.verify(doc, trust.Trusted(public_model=trust.PublicModel(program, "score", path="scorer.json")))
    assert honest.valid and honest.function == "score" and honest.outputs == ["27i64"], honest.reason
    other = trust.verify(doc, trust.Trusted(public_model=trust.PublicModel(program, "predict", path="scorer.json")))
    assert not other.valid and "the public model's function is `predict`" in (other.reason or "")
