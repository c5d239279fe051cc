/**
 * Every string of the site frame and the notebook, in English. zh-CN.ts has the same shape (the type checker
 * makes sure nothing is missing). `{name}` marks a value filled in at run time.
 */

/** The shape a translation must have: the same keys, any strings. */
type Widen<T> = T extends string ? string : T extends readonly (infer U)[] ? readonly Widen<U>[] : { readonly [K in keyof T]: Widen<T[K]> };

const messages = {
  site: {
    name: 'Sparse CNN Lab',
    skip: 'Skip to content',
    navLabel: 'Main',
    nav: { home: 'Notebook', step: 'Step through', train: 'Train', cost: 'Cost' },
    language: 'Language',
  },
  device: {
    checking: 'Checking for WebGPU…',
    noWebgpu: 'WebGPU is not available in this browser: everything runs on the CPU engine.',
    available: 'WebGPU is available ({adapter}); the CPU engine is always there too.',
    noAdapter: 'WebGPU found no adapter on this device: everything runs on the CPU engine.',
    unavailable: 'WebGPU is not available here: everything runs on the CPU engine.',
  },
  notebook: {
    title: 'Sparse convolutional neural networks, from the zeros up',
    lede: 'A notebook you can run. Most numbers inside a trained CNN are zero; a sparse CNN skips every multiply by zero. Read how, then change the figures and run them again — every number is computed here, in your browser, by our own engine.',
    contents: 'Contents',
    runHint: 'Live cell: it runs in a background worker on this device.',
    loadingCell: 'Loading the cell…',
    chapters: {
      background: {
        title: '1. Why sparsity',
        paragraphs: [
          'A convolutional network spends almost all of its time on one operation: multiply two numbers and add the product to a running sum. The seed model of this notebook — two convolutions and two fully connected layers for CIFAR-10 — does about 20 million of them for one 32×32 image.',
          'Many of those multiplications have a zero in them. ReLU turns every negative activation into an exact zero, so after the first layer roughly half of the activations are zero. Pruning removes the smallest weights, and a network often keeps its accuracy with 90% of some layers set to zero. A product with a zero is zero: it changes nothing, yet a dense kernel computes it anyway.',
          'Sparse CNNs (SCNN) skip that work. When it pays, a model runs faster and fits in less memory — which is what makes it possible on phones, microcontrollers and other small devices. When it pays is the interesting question, and this notebook lets you measure it.',
        ],
      },
      concepts: {
        title: '2. Core ideas',
        sparsityTitle: '2.1 Sparsity',
        sparsity: [
          'Density is the share of nonzero entries in a tensor; sparsity is one minus it. Activations become sparse through ReLU (and stay sparse through max-pooling); weights become sparse through pruning. The set of positions where both a nonzero input and a nonzero weight meet is called Ω.',
        ],
        convTitle: '2.2 Sparse convolution',
        conv: [
          'A dense convolution visits every output, every input channel and every kernel tap. A sparse convolution visits only Ω: for each nonzero input it takes each nonzero weight and adds their product to the one output they land on. Same result, fewer multiplies — in the cell below, watch both orders side by side on a real image, one multiply at a time.',
        ],
        poolTitle: '2.3 Sparse max-pooling',
        pool: [
          'Max-pooling keeps the largest value of each window. After ReLU every value is zero or positive, so a window with any nonzero is decided by its nonzeros alone, and an all-zero window gives zero without looking further. The step-through shows the windows one by one.',
        ],
        backpropTitle: '2.4 Sparse backpropagation',
        backprop: [
          'Training needs the gradients too. A pruned weight stays zero, so its gradient is never needed. And an input that a ReLU set to zero passes no gradient back through that ReLU, so its gradient need not be computed either. The same Ω that saved work forward saves it backward.',
        ],
        linkTitle: '2.5 How they fit together',
        link: [
          'The zeros are made early and used all the way: ReLU creates activation zeros, pooling keeps them sparse, the next convolution skips them, and backpropagation skips them again. Pruning adds weight zeros on top. The savings multiply — but so does the bookkeeping of where the nonzeros are.',
        ],
        cellTitle: 'Live: one convolution, dense next to sparse',
        cellText: 'Choose an image, a threshold and how much of the kernel is pruned. Press ▶ and compare the counters: multiplies done, multiplies wasted on a zero, multiplies skipped.',
        openFull: 'Open it on its own page',
      },
      algorithms: {
        title: '3. The algorithms, with their formulas',
        conv: 'A dense convolution sums over every tap; the sparse one sums only over Ω, the taps where both the input and the weight are nonzero:',
        pool: 'Max-pooling takes the maximum of each window; the sparse version takes it over Ω_k, the nonzero entries of channel k in the window (and gives 0 when there are none):',
        backprop: 'Backward, a weight gradient is needed only at kept weights, and it sums only over inputs that are nonzero; an input gradient is needed only where the input was nonzero:',
        cost: 'Cost: the dense convolution does N·K·C·R·S·H′·W′ multiply–accumulates for N images, K filters of C×R×S weights and an H′×W′ output. The sparse one does |Ω| — the pairs of a nonzero input and a nonzero weight that land on an output. With input density d_x and weight density d_w, |Ω| is about d_x·d_w times the dense count: halve both and a quarter is left.',
        caveat: 'About, because zeros are not spread evenly; and fewer multiplies is not yet less time. Finding the nonzeros costs something, and dense kernels are very good at using the hardware. Chapter 5 measures where the two meet on your device.',
      },
      practice: {
        title: '4. Practice: the SCNN model on CIFAR-10',
        intro: 'The source article builds a small network for CIFAR-10 (60,000 color images of 32×32 pixels in 10 classes): two 3×3 convolutions with 32 and 64 filters, each followed by ReLU and 2×2 max-pooling, then a fully connected layer of 128 units and one of 10, trained with Adam at a learning rate of 0.001 on cross-entropy. Here it is in PyTorch, and the same model as our engine describes it:',
        pytorchCaption: 'In PyTorch',
        engineCaption: 'In this app’s engine (the “seed” model)',
        bugsTitle: 'A friendly note on the article’s sample code',
        bugsIntro: 'The article also writes its own SparseConv2d and SparseMaxPool2d. The idea is right — visit the nonzeros only — but the code does not compute a convolution:',
        bugs: [
          'The loop over the nonzeros never uses its index: each pass takes the whole lists of input and weight indices at once.',
          'It treats a kernel-row index as the output channel, and multiplies two unrelated index lists element by element, as if the i-th nonzero input belonged with the i-th nonzero weight.',
          'It never moves a product to the output position it belongs to (output = input position − kernel offset), and it ignores stride and padding.',
          'The pooling layer has the same loop problem, applies Python’s max to whole tensors, and maps a position to window i // stride, which is only right when the window equals the stride and there is no padding.',
        ],
        fixIntro: 'A correct version pairs every nonzero input with every nonzero weight of the same input channel and sends the product to the one output it lands on:',
        fixCaption: 'A correct sparse convolution (readable, not fast)',
        engineNote: 'This app’s engine does exactly this (and a faster version of it, tested against the plain one); the step-through above plays it back product by product.',
        openFull: 'Open the full training lab',
        cellTitle: 'Live: train it here',
        cellText: 'Train the model on CIFAR-10 for a few hundred steps, dense or with conv2 and fc1 pruned. Change the settings and run it again; the full training lab has every chart.',
      },
      applications: {
        title: '5. Where it is used — and when it pays',
        paragraphs: [
          'On phones and small devices, fewer multiplies and smaller models mean lower latency and longer battery life; a pruned model also downloads faster. Real-time tasks — detection in video, driver assistance — need every millisecond. Data centers save energy per prediction.',
          'But none of that is automatic. A sparse kernel does more work per multiply than a dense one, so it only wins when enough of the operands are zero. That point depends on the hardware and the kernels. Measure it on this device:',
        ],
        cellTitle: 'Live: does sparse pay off here?',
        cellText: 'Our dense convolution against both sparse kernels, over input and weight densities, timed in a worker on this device.',
        openFull: 'Per-layer costs are in the cost lab',
      },
      tools: {
        title: '6. Tools',
        items: [
          'PyTorch: torch.nn.utils.prune for magnitude pruning, and sparse tensor formats; most research code on sparse networks starts here.',
          'TensorFlow Lite: its XNNPACK backend has sparse kernels for convolutions whose weights are at least two-thirds zero, for fast inference on phones.',
          'ONNX: one file format that most frameworks and runtimes read. This app exports trained (and pruned) models as ONNX from the training lab, with the zeros kept in the weights.',
          'NVIDIA TensorRT: compiles a model for NVIDIA GPUs, and runs 2:4 structured sparsity — two zeros in every four weights — on the sparse tensor cores of recent GPUs.',
        ],
        exports: 'From this app you can take away: ONNX models (tested to give the engine’s outputs in ONNX Runtime), checkpoint files to continue a run, and the cost lab’s measurements as CSV, SVG and PNG.',
      },
      future: {
        title: '7. Where the field is going',
        paragraphs: [
          'Structured sparsity trades some flexibility for speed the hardware can use: whole channels, blocks, or the 2:4 pattern of GPU sparse tensor cores. Unstructured zeros save more multiplies but are harder to turn into time.',
          'Sparse training keeps the network sparse from the start instead of pruning a dense one, to save work during training as well. Hardware designed around sparsity — accelerators that, like SCNN, only ever multiply nonzeros — keeps appearing.',
          'The open questions are the ones this notebook lets you touch: how sparse is sparse enough, on which device, and for which layer.',
        ],
      },
    },
  },
  cells: {
    train: {
      preset: 'Model',
      steps: 'Steps',
      prune: 'Prune conv2 and fc1 to',
      dense: 'no pruning (dense)',
      zeros: '{percent} zeros',
      seed: 'Seed',
      run: 'Run',
      rerun: 'Run again',
      stop: 'Stop',
      noData: 'CIFAR-10 is not installed on this server. Load it in the training lab (it accepts the official file), or run `npm run data`.',
      openLab: 'Open the training lab',
      status: 'Step {step} of {total} · loss {loss} · test accuracy {accuracy}',
      done: 'Done: {steps} steps in {seconds} s, test accuracy {accuracy} on {images} test images.',
      lossChart: 'Loss',
      loading: 'Loading CIFAR-10…',
    },
    sweep: {
      run: 'Run the sweep',
      result: 'On this device sparse wins at every measured point where input density × weight density is {crossover} or less.',
      none: 'On this device no density product was low enough for sparse to win everywhere below it.',
    },
  },
};

export type Messages = Widen<typeof messages>;
export const en: Messages = messages;
