// The 8×8 register block shared by the 'register' GEMM kernels (matmul_register in matmul.wgsl,
// conv2d_register.wgsl): sixteen vec4 accumulators, row i in (r<i>l: columns 0..3, r<i>h: columns 4..7).
// Prepended to those shaders by their TS modules; private variables cost nothing in entry points that
// do not use them.

const LO = vec4u(0u, 1u, 2u, 3u);
const HI = vec4u(4u, 5u, 6u, 7u);

var<private> r0l: vec4f; var<private> r0h: vec4f; var<private> r1l: vec4f; var<private> r1h: vec4f;
var<private> r2l: vec4f; var<private> r2h: vec4f; var<private> r3l: vec4f; var<private> r3h: vec4f;
var<private> r4l: vec4f; var<private> r4h: vec4f; var<private> r5l: vec4f; var<private> r5h: vec4f;
var<private> r6l: vec4f; var<private> r6h: vec4f; var<private> r7l: vec4f; var<private> r7h: vec4f;

// block += a ⊗ b for one reduction step: a holds rows 0..7, b columns 0..7.
fn outer8(al: vec4f, ah: vec4f, bl: vec4f, bh: vec4f) {
  r0l += al.x * bl; r0h += al.x * bh; r1l += al.y * bl; r1h += al.y * bh;
  r2l += al.z * bl; r2h += al.z * bh; r3l += al.w * bl; r3h += al.w * bh;
  r4l += ah.x * bl; r4h += ah.x * bh; r5l += ah.y * bl; r5h += ah.y * bh;
  r6l += ah.z * bl; r6h += ah.z * bh; r7l += ah.w * bl; r7h += ah.w * bh;
}

// Four reduction steps k..k+3 from whole vectors: row i of the block holds a[i, k..k+3]; bk<j>l / bk<j>h
// are step k+j's columns 0..3 / 4..7.
fn outer8x4(a0: vec4f, a1: vec4f, a2: vec4f, a3: vec4f, a4_: vec4f, a5: vec4f, a6: vec4f, a7: vec4f,
            b0l: vec4f, b0h: vec4f, b1l: vec4f, b1h: vec4f, b2l: vec4f, b2h: vec4f, b3l: vec4f, b3h: vec4f) {
  outer8(vec4f(a0.x, a1.x, a2.x, a3.x), vec4f(a4_.x, a5.x, a6.x, a7.x), b0l, b0h);
  outer8(vec4f(a0.y, a1.y, a2.y, a3.y), vec4f(a4_.y, a5.y, a6.y, a7.y), b1l, b1h);
  outer8(vec4f(a0.z, a1.z, a2.z, a3.z), vec4f(a4_.z, a5.z, a6.z, a7.z), b2l, b2h);
  outer8(vec4f(a0.w, a1.w, a2.w, a3.w), vec4f(a4_.w, a5.w, a6.w, a7.w), b3l, b3h);
}

fn zero_block8() {
  r0l = vec4f(); r0h = vec4f(); r1l = vec4f(); r1h = vec4f(); r2l = vec4f(); r2h = vec4f(); r3l = vec4f(); r3h = vec4f();
  r4l = vec4f(); r4h = vec4f(); r5l = vec4f(); r5h = vec4f(); r6l = vec4f(); r6h = vec4f(); r7l = vec4f(); r7h = vec4f();
}

// block = max(block, 0): a ReLU fused into a GEMM's store.
fn relu_block8() {
  r0l = max(r0l, vec4f()); r0h = max(r0h, vec4f()); r1l = max(r1l, vec4f()); r1h = max(r1h, vec4f());
  r2l = max(r2l, vec4f()); r2h = max(r2h, vec4f()); r3l = max(r3l, vec4f()); r3h = max(r3h, vec4f());
  r4l = max(r4l, vec4f()); r4h = max(r4h, vec4f()); r5l = max(r5l, vec4f()); r5h = max(r5h, vec4f());
  r6l = max(r6l, vec4f()); r6h = max(r6h, vec4f()); r7l = max(r7l, vec4f()); r7h = max(r7h, vec4f());
}

// Steps k..k+3 of the block's rows (or columns): l<j> holds 0..3, h<j> 4..7 at step k+j.
struct Steps4 {
  l0: vec4f, h0: vec4f, l1: vec4f, h1: vec4f, l2: vec4f, h2: vec4f, l3: vec4f, h3: vec4f,
}

// From 8 vectors each holding one row's (column's) 4 consecutive steps.
fn steps_of_rows(v0: vec4f, v1: vec4f, v2: vec4f, v3: vec4f, v4: vec4f, v5: vec4f, v6: vec4f, v7: vec4f) -> Steps4 {
  return Steps4(vec4f(v0.x, v1.x, v2.x, v3.x), vec4f(v4.x, v5.x, v6.x, v7.x),
                vec4f(v0.y, v1.y, v2.y, v3.y), vec4f(v4.y, v5.y, v6.y, v7.y),
                vec4f(v0.z, v1.z, v2.z, v3.z), vec4f(v4.z, v5.z, v6.z, v7.z),
                vec4f(v0.w, v1.w, v2.w, v3.w), vec4f(v4.w, v5.w, v6.w, v7.w));
}
