// Runs an exported model directory with onnxruntime-node, the way the Node scorer does: the prefix with
// zero-length past tensors, then the suffix through the KV cache; also one full pass of prefix+suffix.
// Usage: node ort_check.js <model dir> <cases.json> <out.json>
//   cases.json: [{"prefixIds": [..], "suffixIds": [..]}]; out.json: [{"cached": [yes, no], "full": [yes, no], "lastLogits": [...]}]
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, '..', '..', 'node_modules', 'onnxruntime-node'));

function int64(values, dims) {
  return new ort.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), dims);
}

async function step(session, layers, heads, headDim, ids, past, pastLen) {
  const feeds = {
    input_ids: int64(ids, [1, ids.length]),
    attention_mask: int64(new Array(pastLen + ids.length).fill(1), [1, pastLen + ids.length]),
    position_ids: int64(ids.map((_, i) => pastLen + i), [1, ids.length]),
  };
  for (let i = 0; i < layers; i++) {
    for (const kind of ['key', 'value']) {
      feeds[`past_key_values.${i}.${kind}`] = past ? past[`present.${i}.${kind}`]
        : new ort.Tensor('float32', new Float32Array(0), [1, heads, 0, headDim]);
    }
  }
  return session.run(feeds);
}

function lastRow(logits) {
  const [, seq, vocab] = logits.dims;
  return Array.from(logits.data.subarray((seq - 1) * vocab, seq * vocab));
}

async function main() {
  const [dir, casesFile, outFile] = process.argv.slice(2);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'lamo.json'), 'utf8'));
  const { layers, heads, headDim } = manifest.architecture;
  const { yes, no } = manifest.answerTokens;
  const session = await ort.InferenceSession.create(path.join(dir, manifest.models[0].file));
  const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
  const out = [];
  for (const c of cases) {
    const first = await step(session, layers, heads, headDim, c.prefixIds, null, 0);
    const second = await step(session, layers, heads, headDim, c.suffixIds, first, c.prefixIds.length);
    const full = await step(session, layers, heads, headDim, c.prefixIds.concat(c.suffixIds), null, 0);
    const cached = lastRow(second.logits);
    const whole = lastRow(full.logits);
    out.push({ cached: [cached[yes], cached[no]], full: [whole[yes], whole[no]], lastLogits: cached });
  }
  fs.writeFileSync(outFile, JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
