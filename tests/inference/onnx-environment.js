// Jest runs each test file in its own VM context with its own typed-array classes. onnxruntime-node
// builds output tensors from arrays made by its native code in Node's main context, and its
// `data instanceof Float32Array` check then fails inside the test context ("A float32 tensor's data
// must be type of function Float32Array()"). Tests that run onnxruntime in-process select this
// environment (@jest-environment docblock), which hands the test context Node's own typed arrays.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OnnxRuntimeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxRuntimeEnvironment;
