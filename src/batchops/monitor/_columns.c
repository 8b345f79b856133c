/* Per-value work of profiling a column, one pass each, compiled.
 *
 * Profiling ran as numpy and Arrow kernels: about twenty passes over each column, each with a
 * temporary array, and hashing through polars. These functions do the per-value work of a
 * numeric column (typing, range, spread) and of the distinct count (hashing every value and
 * keeping the candidates of a k-minimum-values sketch) in one pass and no temporary each.
 * They read buffers (numpy arrays, Arrow buffers) and release the GIL while they run, so the
 * reader threads that summarize batches run them side by side.
 *
 * What they compute is a pure function of the values: the same bytes in statistics.json with
 * any number of threads or workers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const uint64_t GOLDEN_GAMMA = 0x9E3779B97F4A7C15ULL;
static const uint64_t NUMBER_SEED = 0x5EED0001ULL;
static const uint64_t TEXT_SEED = 0x5EED0002ULL;

/* Where a hash goes in the set, and the pivots of choosing the smallest, are mixed with this
 * random salt (read once, at import): they never change what is kept, and values crafted to
 * collide in the set, or to make the choice quadratic, cannot be crafted without it. */
static uint64_t salt;

/* SplitMix64's output function: distinct keys give distinct outputs that pass as uniform. */
static inline uint64_t mix64(uint64_t z) {
    z += GOLDEN_GAMMA;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t hash_number(double value) {
    uint64_t bits;
    value += 0.0; /* -0.0 and 0.0 hash alike */
    memcpy(&bits, &value, sizeof bits);
    return mix64(bits ^ NUMBER_SEED);
}

/* Eight bytes at a time, each word mixed into the state; the length goes in first, so that
 * trailing zero bytes still tell strings apart. */
static inline uint64_t hash_text(const uint8_t *text, size_t length) {
    uint64_t state = mix64(TEXT_SEED ^ (uint64_t)length);
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, text, 8);
        state = mix64(state ^ word);
        text += 8;
        length -= 8;
    }
    if (length) {
        uint64_t word = 0;
        memcpy(&word, text, length);
        state = mix64(state ^ word);
    }
    return state;
}

/* ---- the smallest distinct hashes below a bound -------------------------------------- */

/* An open-addressing set of hashes that keeps at most `2 * capacity` of them: when full, only
 * the `capacity` smallest stay and the bound drops to the smallest one let go. What is left
 * at the end holds the `capacity` smallest distinct hashes under the first bound (and maybe
 * more), which is all a k-minimum-values sketch of that capacity can keep of them. */
typedef struct {
    uint64_t *slots; /* 0 marks an empty slot; the hash 0 is kept apart in `has_zero` */
    size_t mask;
    size_t count;
    size_t limit;
    size_t capacity;
    int has_zero;
    uint64_t bound; /* hashes from this one up are not kept */
    int bounded;
} HashSet;

static void set_reset(HashSet *set, int bounded, uint64_t bound) {
    memset(set->slots, 0, (set->mask + 1) * sizeof(uint64_t));
    set->count = 0;
    set->has_zero = 0;
    set->bounded = bounded;
    set->bound = bound;
}

static int set_init(HashSet *set, size_t capacity, int bounded, uint64_t bound) {
    size_t size = 16;
    while (size < 4 * capacity) size <<= 1; /* at most half full */
    set->slots = malloc(size * sizeof(uint64_t));
    if (set->slots == NULL) return -1;
    set->mask = size - 1;
    set->limit = 2 * capacity;
    set->capacity = capacity;
    set_reset(set, bounded, bound);
    return 0;
}

static inline void set_put(HashSet *set, uint64_t hash) {
    if (hash == 0) {
        set->count += !set->has_zero;
        set->has_zero = 1;
        return;
    }
    size_t at = (size_t)mix64(hash ^ salt) & set->mask;
    for (;;) {
        uint64_t held = set->slots[at];
        if (held == hash) return;
        if (held == 0) {
            set->slots[at] = hash;
            set->count++;
            return;
        }
        at = (at + 1) & set->mask;
    }
}

static size_t set_collect(const HashSet *set, uint64_t *out) {
    size_t n = 0;
    if (set->has_zero) out[n++] = 0;
    for (size_t i = 0; i <= set->mask; i++)
        if (set->slots[i]) out[n++] = set->slots[i];
    return n;
}

static void select_smallest(uint64_t *items, ptrdiff_t n, ptrdiff_t k) {
    /* Quickselect: afterwards items[k] is the k-th smallest, the smaller ones before it. */
    ptrdiff_t low = 0, high = n - 1;
    uint64_t draw = salt;
    while (low < high) {
        draw = mix64(draw);
        uint64_t pivot = items[low + (ptrdiff_t)(draw % (uint64_t)(high - low + 1))];
        ptrdiff_t less = low, i = low, more = high;
        while (i <= more) {
            uint64_t item = items[i];
            if (item < pivot) {
                items[i++] = items[less];
                items[less++] = item;
            } else if (item > pivot) {
                items[i] = items[more];
                items[more--] = item;
            } else {
                i++;
            }
        }
        if (k < less) high = less - 1;
        else if (k > more) low = more + 1;
        else return;
    }
}

/* Keep the `capacity` smallest; the bound drops to the smallest one let go. */
static int set_shrink(HashSet *set) {
    uint64_t *items = malloc(set->count * sizeof(uint64_t));
    if (items == NULL) return -1;
    size_t n = set_collect(set, items);
    select_smallest(items, (ptrdiff_t)n, (ptrdiff_t)set->capacity);
    set_reset(set, 1, items[set->capacity]);
    for (size_t i = 0; i < set->capacity; i++) set_put(set, items[i]);
    free(items);
    return 0;
}

static inline int set_offer(HashSet *set, uint64_t hash) {
    if (set->bounded && hash >= set->bound) return 0;
    set_put(set, hash);
    return set->count >= set->limit ? set_shrink(set) : 0;
}

/* Offers the values `from` to `to` of a source to the set; nonzero when memory ran out. */
typedef int (*Feed)(HashSet *set, const void *source, size_t from, size_t to);

typedef struct {
    const double *values;
    size_t count;
} Numbers;

static int feed_numbers(HashSet *set, const void *source, size_t from, size_t to) {
    const Numbers *numbers = source;
    int failed = 0;
    for (size_t i = from; i < to && !failed; i++)
        failed = set_offer(set, hash_number(numbers->values[i]));
    return failed;
}

typedef struct {
    const int32_t *offsets;
    const uint8_t *data;
    Py_ssize_t first;
    Py_ssize_t count;
} Texts;

static int feed_texts(HashSet *set, const void *source, size_t from, size_t to) {
    const Texts *texts = source;
    int failed = 0;
    for (Py_ssize_t i = texts->first + (Py_ssize_t)from; i < texts->first + (Py_ssize_t)to && !failed;
         i++) {
        int32_t start = texts->offsets[i];
        size_t length = (size_t)(texts->offsets[i + 1] - start);
        failed = set_offer(set, hash_text(texts->data + start, length));
    }
    return failed;
}

static int parse_bound(PyObject *threshold, int *bounded, uint64_t *bound) {
    *bounded = threshold != Py_None;
    *bound = 0;
    if (!*bounded) return 0;
    unsigned long long value = PyLong_AsUnsignedLongLong(threshold);
    if (value == (unsigned long long)-1 && PyErr_Occurred()) return -1;
    *bound = (uint64_t)value;
    return 0;
}

static size_t count_below(const HashSet *set, uint64_t bound) {
    size_t below = set->has_zero && bound > 0;
    for (size_t i = 0; i <= set->mask; i++) below += set->slots[i] && set->slots[i] < bound;
    return below;
}

/* The candidates of `count` values, as a bytes object of native uint64 (in no order).
 *
 * A batch of many distinct values would fill the set again and again, each time choosing the
 * smallest half, with a cache miss for each value kept. So when the caller allows
 * (`cut_first`: the column is not known to repeat its values) and the first capacity / 2
 * values were mostly distinct, the rest are offered under a cut where about 1.5 * capacity
 * hashes are expected. When fewer than `capacity` distinct ones fell under it after all
 * (values repeat later on), the cut was too low and every value is offered again under the
 * caller's bound alone. */
static PyObject *candidates(Feed feed, const void *source, size_t count, Py_ssize_t capacity,
                            PyObject *threshold, int cut_first) {
    if (capacity < 1) return PyErr_Format(PyExc_ValueError, "capacity must be positive");
    int bounded;
    uint64_t bound;
    if (parse_bound(threshold, &bounded, &bound) < 0) return NULL;
    HashSet set;
    if (set_init(&set, (size_t)capacity, bounded, bound) < 0) return PyErr_NoMemory();
    size_t size = (size_t)capacity;
    size_t prefix = cut_first && count > 4 * size ? size / 2 + 1 : count;
    double cut = 18446744073709551616.0 * (1.5 * (double)size / (double)(count ? count : 1));
    int failed, guessed = 0;
    Py_BEGIN_ALLOW_THREADS
    failed = feed(&set, source, 0, prefix);
    if (!failed && prefix < count) {
        if (set.count > prefix / 2 && (!set.bounded || cut < (double)set.bound)) {
            guessed = 1;
            set.bounded = 1;
            set.bound = (uint64_t)cut;
        }
        failed = feed(&set, source, prefix, count);
    }
    if (!failed && guessed && count_below(&set, (uint64_t)cut) < size) {
        set_reset(&set, bounded, bound);
        failed = feed(&set, source, 0, count);
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        free(set.slots);
        return PyErr_NoMemory();
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(set.count * sizeof(uint64_t)));
    if (out != NULL) set_collect(&set, (uint64_t *)PyBytes_AS_STRING(out));
    free(set.slots);
    return out;
}

static int get_buffer(PyObject *object, Py_buffer *view, Py_ssize_t item, const char *what) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if (view->len % item) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes is not a whole number of items", what,
                     view->len);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(number_candidates_doc,
             "number_candidates(values, threshold, capacity, cut_first) -> bytes\n\n"
             "The distinct hashes under `threshold` (None: any) of a float64 buffer's values, "
             "holding at least the `capacity` smallest of them; native uint64, in no order. "
             "`cut_first`: the values may be mostly distinct (see `candidates`).");

static PyObject *number_candidates(PyObject *self, PyObject *args) {
    PyObject *values_object, *threshold;
    Py_ssize_t capacity;
    int cut_first;
    if (!PyArg_ParseTuple(args, "OOnp", &values_object, &threshold, &capacity, &cut_first))
        return NULL;
    Py_buffer view;
    if (get_buffer(values_object, &view, sizeof(double), "values") < 0) return NULL;
    Numbers numbers = {view.buf, (size_t)view.len / sizeof(double)};
    PyObject *out = candidates(feed_numbers, &numbers, numbers.count, capacity, threshold, cut_first);
    PyBuffer_Release(&view);
    return out;
}

PyDoc_STRVAR(text_candidates_doc,
             "text_candidates(offsets, data, first, count, threshold, capacity, cut_first) -> bytes\n\n"
             "`number_candidates` for `count` strings of an Arrow string array from its "
             "`first` (int32 offsets and data buffers; nulls dropped beforehand).");

static PyObject *text_candidates(PyObject *self, PyObject *args) {
    PyObject *offsets_object, *data_object, *threshold;
    Py_ssize_t first, count, capacity;
    int cut_first;
    if (!PyArg_ParseTuple(args, "OOnnOnp", &offsets_object, &data_object, &first, &count,
                          &threshold, &capacity, &cut_first))
        return NULL;
    Py_buffer offsets_view, data_view;
    if (get_buffer(offsets_object, &offsets_view, sizeof(int32_t), "offsets") < 0) return NULL;
    if (PyObject_GetBuffer(data_object, &data_view, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&offsets_view);
        return NULL;
    }
    const int32_t *offsets = offsets_view.buf;
    Py_ssize_t items = offsets_view.len / (Py_ssize_t)sizeof(int32_t);
    int valid = first >= 0 && count >= 0 && first + count < items;
    for (Py_ssize_t i = first; valid && i < first + count; i++)
        valid = offsets[i] <= offsets[i + 1];
    if (valid && count) valid = offsets[first] >= 0 && offsets[first + count] <= data_view.len;
    PyObject *out = NULL;
    if (valid) {
        Texts texts = {offsets, data_view.buf, first, count};
        out = candidates(feed_texts, &texts, (size_t)count, capacity, threshold, cut_first);
    } else {
        PyErr_Format(PyExc_ValueError, "offsets do not fit the string array");
    }
    PyBuffer_Release(&offsets_view);
    PyBuffer_Release(&data_view);
    return out;
}

/* ---- a numeric column's types, range and spread --------------------------------------- */

PyDoc_STRVAR(number_figures_doc,
             "number_figures(values) -> (nonfinite, whole, minimum, maximum)\n\n"
             "Of a float64 buffer: how many values are NaN or infinite, how many of the others "
             "are whole numbers, and their smallest and largest (inf and -inf when none).");

static PyObject *number_figures(PyObject *self, PyObject *args) {
    PyObject *values_object;
    if (!PyArg_ParseTuple(args, "O", &values_object)) return NULL;
    Py_buffer view;
    if (get_buffer(values_object, &view, sizeof(double), "values") < 0) return NULL;
    const double *values = view.buf;
    size_t n = (size_t)view.len / sizeof(double);
    size_t nonfinite = 0, whole = 0;
    double minimum = INFINITY, maximum = -INFINITY;
    Py_BEGIN_ALLOW_THREADS
    for (size_t i = 0; i < n; i++) {
        double value = values[i];
        if (!isfinite(value)) {
            nonfinite++;
            continue;
        }
        whole += value == trunc(value);
        minimum = value < minimum ? value : minimum;
        maximum = value > maximum ? value : maximum;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return Py_BuildValue("nndd", (Py_ssize_t)nonfinite, (Py_ssize_t)whole, minimum, maximum);
}

PyDoc_STRVAR(squared_deviations_doc,
             "squared_deviations(values, mean) -> float\n\n"
             "The sum of (value - mean) ** 2 over a float64 buffer, in four running sums "
             "(added in a fixed order, so the result is the same every run).");

static PyObject *squared_deviations(PyObject *self, PyObject *args) {
    PyObject *values_object;
    double mean;
    if (!PyArg_ParseTuple(args, "Od", &values_object, &mean)) return NULL;
    Py_buffer view;
    if (get_buffer(values_object, &view, sizeof(double), "values") < 0) return NULL;
    const double *values = view.buf;
    size_t n = (size_t)view.len / sizeof(double);
    double sums[4] = {0.0, 0.0, 0.0, 0.0};
    Py_BEGIN_ALLOW_THREADS
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        for (int lane = 0; lane < 4; lane++) {
            double deviation = values[i + lane] - mean;
            sums[lane] += deviation * deviation;
        }
    }
    for (; i < n; i++) {
        double deviation = values[i] - mean;
        sums[0] += deviation * deviation;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyFloat_FromDouble((sums[0] + sums[1]) + (sums[2] + sums[3]));
}

static PyMethodDef methods[] = {
    {"number_candidates", number_candidates, METH_VARARGS, number_candidates_doc},
    {"text_candidates", text_candidates, METH_VARARGS, text_candidates_doc},
    {"number_figures", number_figures, METH_VARARGS, number_figures_doc},
    {"squared_deviations", squared_deviations, METH_VARARGS, squared_deviations_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "batchops.monitor._columns",
    "Per-value work of profiling a column, compiled (see _columns.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__columns(void) {
    PyObject *os = PyImport_ImportModule("os");
    PyObject *random = os == NULL ? NULL : PyObject_CallMethod(os, "urandom", "i", 8);
    Py_XDECREF(os);
    if (random == NULL) return NULL;
    memcpy(&salt, PyBytes_AS_STRING(random), sizeof salt);
    Py_DECREF(random);
    return PyModule_Create(&module);
}
