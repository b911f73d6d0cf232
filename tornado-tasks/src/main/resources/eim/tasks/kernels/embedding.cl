// Twins of eim.tasks.kernels.Embedding. ids, labels, drop are int arrays. The backward kernels run
// one work item per column and loop over the rows, so repeated ids never race.

// range {N, D}: out[n] = table[ids[n]]
__kernel void embedding_forward(__global const int* ids, __global const float* table, __global float* out,
                                int N, int D) {
    int n = get_global_id(0), d = get_global_id(1);
    if (n >= N || d >= D) return;
    out[(long) n * D + d] = table[(long) ids[n] * D + d];
}

// range {D}: dtable[ids[n]] += dout[n]; ids outside [0, V) are skipped
__kernel void embedding_backward(__global const int* ids, __global const float* dout, __global float* dtable,
                                 int N, int D, int V) {
    int d = get_global_id(0);
    if (d >= D) return;
    for (int n = 0; n < N; n++) {
        int id = ids[n];
        if (id < 0 || id >= V) continue;
        dtable[(long) id * D + d] += dout[(long) n * D + d];
    }
}

// range {B*S, D}: out[b*S+s] = (drop[b] ? fake : classEmb[labels[b]]) + pos[s]
__kernel void class_condition_forward(__global const int* labels, __global const int* drop,
                                      __global const float* classEmb, __global const float* fake,
                                      __global const float* pos, __global float* out, int B, int S, int D) {
    int row = get_global_id(0), d = get_global_id(1);
    if (row >= B * S || d >= D) return;
    int b = row / S, s = row % S;
    float c = drop[b] != 0 ? fake[d] : classEmb[(long) labels[b] * D + d];
    out[(long) row * D + d] = c + pos[(long) s * D + d];
}

// range {D}: dPos[s] += sum_b dout[b*S+s]; dFake or dClassEmb[labels[b]] += sum_s dout[b*S+s]
__kernel void class_condition_backward(__global const int* labels, __global const int* drop,
                                       __global const float* dout, __global float* dClassEmb,
                                       __global float* dFake, __global float* dPos,
                                       int B, int S, int D, int numClasses) {
    int d = get_global_id(0);
    if (d >= D) return;
    for (int b = 0; b < B; b++) {
        float acc = 0.0f;
        for (int s = 0; s < S; s++) {
            float g = dout[((long) b * S + s) * D + d];
            acc += g;
            dPos[(long) s * D + d] += g;
        }
        int label = labels[b];
        if (drop[b] != 0) {
            dFake[d] += acc;
        } else if (label >= 0 && label < numClasses) {
            dClassEmb[(long) label * D + d] += acc;
        }
    }
}
