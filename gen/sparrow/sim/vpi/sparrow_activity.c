/*
 * Toggle counting inside Icarus Verilog: per net bit of one scope, the transitions and the
 * time at 1 over a window, without writing a waveform.
 *
 *   $sparrow_activity(scope, "counts.tsv");     (once, at time 0)
 *
 * follows every net and variable directly in `scope` (level 1, as $dumpvars(1, scope)).
 * The window is opened and closed from the cocotb testbench, which runs in the simulator's
 * process and calls sparrow_activity_open() / sparrow_activity_close() through ctypes at the
 * current simulation time (a Verilog testbench calls $sparrow_activity_open and
 * $sparrow_activity_close); closing writes the file. After a window has closed,
 * sparrow_activity_next("other.tsv") starts counting afresh for a second window (an idle
 * window after the inferences, say), into another file: the values are sampled anew at the
 * end of that time step, then the window can be opened again.
 *
 * The counting is that of a VCD read with OpenSTA's rules (sparrow.power.vcd), so the two
 * agree value by value:
 *   - a net's value is sampled once per time step, at the end of it (read-only synch), as a
 *     VCD writer records it; the first sample (time 0) sets the value without a transition;
 *   - a later sample that differs from the previous one is a transition: 1, or 0.5 when
 *     either value is X or Z;
 *   - samples at or before the window start only set the value; samples after the window
 *     end are ignored; time at 1 is clipped to the window.
 *
 * Output (tab-separated): "# sparrow activity counts 1", "precision <p>" (a tick is 10^p s),
 * "window <t0> <t1>" (ticks), "scope <name>", then one line per bit: name, transitions,
 * ticks at 1. Vector bits are named name[i] with the declared indices.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpi_user.h>

enum { V0 = 0, V1 = 1, VX = 2, VZ = 3, UNSEEN = 255 };

typedef struct {
    vpiHandle handle;
    char *name;
    int width;
    int left, right;           /* declared range of a vector (bit names) */
    uint32_t first_bit;        /* index of its bit 0 (the LSB) in the bit arrays */
    int dirty;                 /* changed in the current time step */
    uint8_t latest;            /* a scalar's latest value, as its last callback gave it */
} Signal;

static Signal *signals = NULL;
static uint32_t n_signals = 0, cap_signals = 0;
static uint8_t *bit_value = NULL;        /* per bit: last sampled value */
static uint64_t *bit_time = NULL;        /* per bit: time of that sample */
static uint32_t *bit_half_toggles = NULL;/* per bit: transitions x 2 (X/Z changes count 1) */
static uint64_t *bit_high = NULL;        /* per bit: ticks at 1 inside the window */
static uint32_t n_bits = 0;

static uint32_t *dirty = NULL;           /* signals changed in the current time step */
static uint32_t n_dirty = 0;
static int flush_scheduled = 0;
static int started = 0;                  /* initial values sampled */

static char *out_path = NULL;
static char *scope_name = NULL;
static int window_state = 0;             /* 0 before open, 1 open, 2 closed */
static int closing = 0;                  /* the window ends with this time step */
static uint64_t t0 = 0, t1 = 0;

static uint64_t now_ticks(void) {
    s_vpi_time t;
    t.type = vpiSimTime;
    vpi_get_time(NULL, &t);
    return ((uint64_t)t.high << 32) | (uint64_t)t.low;
}

static void fail(const char *message) {
    vpi_printf("ERROR: $sparrow_activity: %s\n", message);
    vpi_control(vpiFinish, 1);
}

static void *grow(void *p, size_t size) {
    void *q = realloc(p, size ? size : 1);
    if (!q) {
        vpi_printf("ERROR: $sparrow_activity: out of memory\n");
        exit(1);
    }
    return q;
}

/* Overlap of [a, b] with the open window (nothing is sampled after its end). */
static uint64_t in_window(uint64_t a, uint64_t b) {
    if (window_state == 0) return 0;
    if (a < t0) a = t0;
    return b > a ? b - a : 0;
}

static uint8_t code_of(int aval, int bval) {
    return bval ? (aval ? VX : VZ) : (uint8_t)aval;
}

static uint8_t scalar_code(PLI_INT32 scalar) {
    switch (scalar) {
    case vpi0: return V0;
    case vpi1: return V1;
    case vpiZ: return VZ;
    default: return VX;
    }
}

/* Take the value of signal `s` at time `now`, bit by bit: a scalar's from its last value
 * callback (`latest`, which saves a vpi_get_value per change), unless `ask`. */
static void sample(Signal *s, uint64_t now, int ask) {
    s_vpi_value v;
    int i;
    if (s->width == 1 && ask) {
        v.format = vpiScalarVal;
        vpi_get_value(s->handle, &v);
        s->latest = scalar_code(v.value.scalar);
    } else if (s->width > 1) {
        v.format = vpiVectorVal;
        vpi_get_value(s->handle, &v);
    }
    for (i = 0; i < s->width; i++) {
        uint32_t b = s->first_bit + (uint32_t)i;
        uint8_t code;
        if (s->width == 1) {
            code = s->latest;
        } else {
            const s_vpi_vecval *w = &v.value.vector[i / 32];
            code = code_of((w->aval >> (i % 32)) & 1, (w->bval >> (i % 32)) & 1);
        }
        if (bit_value[b] == UNSEEN) {
            bit_value[b] = code;
            bit_time[b] = now;
            continue;
        }
        if (bit_value[b] == V1) bit_high[b] += in_window(bit_time[b], now);
        if (code != bit_value[b] && window_state == 1 && now > t0)
            bit_half_toggles[b] += (code >= VX || bit_value[b] >= VX) ? 1 : 2;
        bit_value[b] = code;
        bit_time[b] = now;
    }
}

static void finish(void);

static PLI_INT32 flush(p_cb_data cause) {
    uint64_t now = now_ticks();
    uint32_t k;
    (void)cause;
    flush_scheduled = 0;
    if (window_state == 2) {        /* after the window: nothing counts any more */
        n_dirty = 0;
        return 0;
    }
    if (!started) {
        for (k = 0; k < n_signals; k++) sample(&signals[k], now, 1);
        started = 1;
    } else {
        for (k = 0; k < n_dirty; k++) sample(&signals[dirty[k]], now, 0);
    }
    for (k = 0; k < n_dirty; k++) signals[dirty[k]].dirty = 0;
    n_dirty = 0;
    if (closing) finish();
    return 0;
}

static void schedule_flush(void) {
    static s_vpi_time when;
    s_cb_data cb;
    if (flush_scheduled) return;
    when.type = vpiSimTime;
    when.high = when.low = 0;
    memset(&cb, 0, sizeof cb);
    cb.reason = cbReadOnlySynch;
    cb.cb_rtn = flush;
    cb.time = &when;
    vpi_register_cb(&cb);
    flush_scheduled = 1;
}

static PLI_INT32 changed(p_cb_data cause) {
    uint32_t k = (uint32_t)(uintptr_t)cause->user_data;
    if (!started || window_state == 2) return 0;
    if (signals[k].width == 1) signals[k].latest = scalar_code(cause->value->value.scalar);
    if (signals[k].dirty) return 0;
    signals[k].dirty = 1;
    dirty[n_dirty++] = k;
    schedule_flush();
    return 0;
}

static void add_signal(vpiHandle h) {
    Signal *s;
    s_cb_data cb;
    static s_vpi_time no_time = {vpiSuppressTime, 0, 0, 0};
    static s_vpi_value no_value = {vpiSuppressVal, {0}};
    static s_vpi_value scalar = {vpiScalarVal, {0}};
    int width = vpi_get(vpiSize, h);
    const char *name = vpi_get_str(vpiName, h);
    if (width < 1 || !name) return;
    if (n_signals == cap_signals) {
        cap_signals = cap_signals ? 2 * cap_signals : 4096;
        signals = grow(signals, cap_signals * sizeof *signals);
    }
    s = &signals[n_signals];
    s->handle = h;
    s->name = strdup(name[0] == '\\' ? name + 1 : name);
    s->width = width;
    s->left = vpi_get(vpiLeftRange, h);
    s->right = vpi_get(vpiRightRange, h);
    s->first_bit = n_bits;
    s->dirty = 0;
    s->latest = VX;
    n_bits += (uint32_t)width;
    memset(&cb, 0, sizeof cb);
    cb.reason = cbValueChange;
    cb.cb_rtn = changed;
    cb.obj = h;
    cb.time = &no_time;
    cb.value = width == 1 ? &scalar : &no_value;
    cb.user_data = (PLI_BYTE8 *)(uintptr_t)n_signals;
    vpi_register_cb(&cb);
    n_signals++;
}

static PLI_INT32 start_calltf(PLI_BYTE8 *user_data) {
    static const int kinds[] = {vpiNet, vpiReg};
    vpiHandle call = vpi_handle(vpiSysTfCall, NULL);
    vpiHandle args = vpi_iterate(vpiArgument, call);
    vpiHandle scope = args ? vpi_scan(args) : NULL;
    vpiHandle file = scope ? vpi_scan(args) : NULL;
    s_vpi_value v;
    size_t k;
    (void)user_data;
    if (!file) {
        fail("expects (scope, \"file\")");
        return 0;
    }
    vpi_free_object(args);
    if (signals) {
        fail("called twice");
        return 0;
    }
    v.format = vpiStringVal;
    vpi_get_value(file, &v);
    out_path = strdup(v.value.str);
    scope_name = strdup(vpi_get_str(vpiFullName, scope));
    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        vpiHandle it = vpi_iterate(kinds[k], scope), h;
        while (it && (h = vpi_scan(it))) add_signal(h);
    }
    bit_value = grow(NULL, n_bits);
    memset(bit_value, UNSEEN, n_bits);
    bit_time = grow(NULL, n_bits * sizeof *bit_time);
    bit_half_toggles = grow(NULL, n_bits * sizeof *bit_half_toggles);
    memset(bit_half_toggles, 0, n_bits * sizeof *bit_half_toggles);
    bit_high = grow(NULL, n_bits * sizeof *bit_high);
    memset(bit_high, 0, n_bits * sizeof *bit_high);
    dirty = grow(NULL, (n_signals ? n_signals : 1) * sizeof *dirty);
    schedule_flush();           /* the first sample: the values at the end of this step */
    return 0;
}

/* Called from the testbench (ctypes): the window starts now. Returns 0, or -1 when the
 * counter is not running or the window was opened before. */
int sparrow_activity_open(void) {
    if (!started || window_state != 0) return -1;
    t0 = now_ticks();
    window_state = 1;
    return 0;
}

/* Called from the testbench (ctypes): the window ends now, after this time step's values
 * (they are sampled at its end, then the file is written). Returns 0, or -1 when the window
 * is not open. */
int sparrow_activity_close(void) {
    if (window_state != 1 || closing) return -1;
    t1 = now_ticks();
    closing = 1;
    schedule_flush();
    return 0;
}

/* Called from the testbench (ctypes) after a window has closed: count anew into `path`.
 * Every counter is cleared and every value sampled again at the end of this time step (no
 * transition), as at the start. Returns 0, or -1 when no window has closed yet. */
int sparrow_activity_next(const char *path) {
    uint32_t k;
    if (window_state != 2 || closing || !path) return -1;
    free(out_path);
    out_path = strdup(path);
    memset(bit_value, UNSEEN, n_bits);
    memset(bit_half_toggles, 0, n_bits * sizeof *bit_half_toggles);
    memset(bit_high, 0, n_bits * sizeof *bit_high);
    for (k = 0; k < n_signals; k++) signals[k].dirty = 0;
    n_dirty = 0;
    started = 0;
    window_state = 0;
    schedule_flush();
    return 0;
}

static void finish(void) {
    FILE *f;
    uint32_t k;
    int i;
    for (k = 0; k < n_bits; k++)
        if (bit_value[k] == V1) bit_high[k] += in_window(bit_time[k], t1);
    window_state = 2;
    closing = 0;
    f = fopen(out_path, "w");
    if (!f) {
        fail("cannot write the counts file");
        return;
    }
    fprintf(f, "# sparrow activity counts 1\nprecision\t%d\nwindow\t%llu\t%llu\nscope\t%s\n",
            (int)vpi_get(vpiTimePrecision, NULL), (unsigned long long)t0,
            (unsigned long long)t1, scope_name);
    for (k = 0; k < n_signals; k++) {
        const Signal *s = &signals[k];
        for (i = 0; i < s->width; i++) {
            uint32_t b = s->first_bit + (uint32_t)i;
            if (s->width == 1 && s->left == 0)
                fprintf(f, "%s", s->name);
            else
                fprintf(f, "%s[%d]", s->name,
                        s->left >= s->right ? s->right + i : s->right - i);
            fprintf(f, "\t%.1f\t%llu\n", bit_half_toggles[b] / 2.0,
                    (unsigned long long)bit_high[b]);
        }
    }
    if (fclose(f) != 0) fail("cannot write the counts file");
}

static PLI_INT32 open_calltf(PLI_BYTE8 *user_data) {
    (void)user_data;
    if (sparrow_activity_open() != 0) fail("$sparrow_activity_open: not counting, or opened before");
    return 0;
}

static PLI_INT32 close_calltf(PLI_BYTE8 *user_data) {
    (void)user_data;
    if (sparrow_activity_close() != 0) fail("$sparrow_activity_close: the window is not open");
    return 0;
}

static void register_task(const char *name, PLI_INT32 (*calltf)(PLI_BYTE8 *)) {
    s_vpi_systf_data tf;
    memset(&tf, 0, sizeof tf);
    tf.type = vpiSysTask;
    tf.tfname = (PLI_BYTE8 *)name;
    tf.calltf = calltf;
    vpi_register_systf(&tf);
}

/* The window can also be opened and closed from Verilog. */
static void register_all(void) {
    register_task("$sparrow_activity", start_calltf);
    register_task("$sparrow_activity_open", open_calltf);
    register_task("$sparrow_activity_close", close_calltf);
}

void (*vlog_startup_routines[])(void) = {register_all, 0};
