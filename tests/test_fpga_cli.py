"""``sparrow fpga``: every failure is one line on stderr and exit code 1, never a traceback
or a hang (a board that does not answer, or answers garbage, times out with a message)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import numpy as np

from sparrow.cli import main
from sparrow.fpga.boards import BOARDS
from sparrow.fpga.protocol import ErrorCode, FrameType, encode_frame

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "examples" / "tiny" / "tiny.toml"


def _one_line_error(capsys, argv) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("sparrow: error: ") and err.count("\n") == 1, err
    return err


class FakeBoard:
    """A TCP server on the loopback that reads everything and answers ``reply`` (once, to
    the first bytes it gets) or nothing; stops when its client closes."""

    def __init__(self, reply: bytes = b""):
        self.reply = reply
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(30)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.server.getsockname()[1]}"

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            conn.settimeout(30)
            answered = False
            while conn.recv(4096):
                if not answered and self.reply:
                    conn.sendall(self.reply)
                    answered = True

    def close(self) -> None:
        self.thread.join(timeout=30)
        self.server.close()


def test_boards_lists_every_board(capsys):
    assert main(["fpga", "boards"]) == 0
    out = capsys.readouterr().out
    for name, b in BOARDS.items():
        assert name in out and f"{b.luts} LUTs" in out


def test_unknown_board(capsys):
    err = _one_line_error(capsys, ["fpga", "build", str(TINY), "--board", "nope"])
    assert "unknown board 'nope'" in err


def test_missing_port(capsys, tmp_path):
    err = _one_line_error(capsys, ["fpga", "run", str(TINY), "--port",
                                   str(tmp_path / "ttyUSB9"), "--random", "1"])
    assert "cannot open" in err and "ttyUSB9" in err


def test_inputs_of_the_wrong_shape(capsys, tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((2, 1, 15), dtype=np.int64))
    err = _one_line_error(capsys, ["fpga", "run", str(TINY), "--port", "socket://x:1",
                                   "--inputs", str(tmp_path / "x.npy")])
    assert "does not match the model" in err


def _run_against(board: FakeBoard, capsys, timeout: str) -> str:
    try:
        return _one_line_error(capsys, ["fpga", "run", str(TINY), "--port", board.url,
                                        "--random", "1", "--timeout", timeout])
    finally:
        board.close()


def test_silent_board_times_out(capsys):
    err = _run_against(FakeBoard(), capsys, "0.5")
    assert "no answer from" in err and "within 0.5 s" in err


def test_garbage_answer_is_reported(capsys):
    err = _run_against(FakeBoard(reply=b"\x00hello"), capsys, "2")
    assert "out of step" in err


def test_device_error_answer_is_one_line(capsys):
    reply = encode_frame(FrameType.ERROR, bytes([ErrorCode.CHECKSUM, 3]))
    err = _run_against(FakeBoard(reply=reply), capsys, "2")
    assert "ERROR CHECKSUM" in err and "detail 0x03" in err


def test_beats_are_class_balanced_mitdb_beats(tmp_path):
    from sparrow.ecg import data
    from sparrow.fpga.ecg_beats import DEMO_RECORDS, class_balanced_beats
    mitdb = ROOT / ".." / "shared" / "data" / "mitdb"
    x, y = class_balanced_beats(3, data_dir=mitdb, cache_dir=tmp_path)
    assert np.bincount(y, minlength=5).tolist() == [3] * 5 and x.shape == (15, 1, 180)
    # Each picked beat is a beat of its class in those records, as the data module reads it.
    beats = data.load_beats(mitdb, records=DEMO_RECORDS, cache_dir=tmp_path)
    for xi, yi in zip(x, y):
        same = np.flatnonzero((beats.x == xi).all(axis=(1, 2)))
        assert len(same) >= 1 and yi in beats.y[same]


def test_beats_need_a_one_beat_ecg_model(capsys):
    err = _one_line_error(capsys, ["fpga", "run", str(TINY), "--port", "socket://x:1",
                                   "--beats", "1"])
    assert "does not match the model" in err
