"""Write the tutorial notebooks of lrnn from the Python source in this file.

Each notebook is a list of markdown and code cells. The notebooks are written without
outputs and with fixed cell ids, so regenerating them changes nothing unless a cell here
changed, and a diff of the .ipynb files shows only the edited cells.

Usage:
    python notebooks/build_notebooks.py            write every notebook next to this file
    python notebooks/build_notebooks.py --check    exit with status 1 when a notebook on disk
                                                   differs from what this file would write
"""
from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat

FOLDER = Path(__file__).resolve().parent

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def md(text: str) -> tuple[str, str]:
    return "markdown", textwrap.dedent(text).strip("\n")


def code(text: str) -> tuple[str, str]:
    return "code", textwrap.dedent(text).strip("\n")


# The `find_data` cell: it looks for `shared/data/neuralogic/<relative>` in the working directory,
# the lrnn package's folder and all their parents, unless LRNN_DATA names the NeuraLogic data folder.
FIND_DATA = '''
def find_data(relative: str) -> Path | None:
    """Return the folder `relative` under the NeuraLogic data folder, or None when it is absent."""
    if "LRNN_DATA" in os.environ:
        folder = Path(os.environ["LRNN_DATA"]) / relative
        return folder if folder.is_dir() else None
    starts = [Path.cwd().resolve(), Path(lrnn.__file__).resolve().parent]
    for start in starts:
        for parent in [start, *start.parents]:
            folder = parent / "shared" / "data" / "neuralogic" / relative
            if folder.is_dir():
                return folder
    return None
'''


# -- quickstart --
QUICKSTART = [
    md("""
    # lrnn quickstart

    A Lifted Relational Neural Network is a *template* of weighted logic rules. Given the facts
    of one example (a graph, a molecule, a knowledge base), every grounding of the rules becomes
    a neuron, so the network's structure follows the example. lrnn grounds all examples of a
    dataset at once, compiles the ground networks into layers of index tensors and runs them as
    an ordinary `torch.nn.Module`.

    This notebook goes from relations and rules to a trained model:

    1. relations, facts, rules and weights
    2. building a model, grounding a dataset, evaluating it
    3. looking inside: the ground network and the compiled layers
    4. training with a plain torch loop, on all samples and in mini-batches
    """),
    code("""
    import torch

    import lrnn
    from lrnn import Aggregation, C, Dataset, R, Sample, Settings, Template, Transformation, V, parse_template

    torch.manual_seed(0)
    print(f"lrnn {lrnn.__version__}, torch {torch.__version__}")
    """),
    md("""
    ## Relations, facts and rules

    `R.name(...)` makes an atom of the relation `name`, `V.X` a variable and `C.a` a constant
    (plain strings and integers are constants too). An atom with a value in brackets is a
    fact with that value: a scalar, or a list for a vector. Facts without a value have the value 1.
    """),
    code("""
    graph = [
        R.edge(C.a, C.b), R.edge(C.b, C.c), R.edge(C.c, C.a),
        R.f(C.a)[[1.0, 0.0]], R.f(C.b)[[0.0, 1.0]], R.f(C.c)[[1.0, 1.0]],
    ]
    for fact in graph:
        print(fact)
    """),
    md("""
    A rule `head <= body` derives the head from every substitution of its variables that
    makes all body atoms true. Brackets on a rule's atom declare a learnable weight:

    - `R.f(V.Y)[2, 2]` multiplies the value of `f(Y)` by a 2 x 2 weight matrix,
    - `R.h(V.X)[3, 2]` on the head maps the rule's result to a 3-vector,
    - a number, as in `R.f(V.Y)[0.5]`, is a weight with that initial value.

    A literal written with a leading underscore, `R._edge`, is *hidden*: it must be true for a
    grounding to exist, but its value does not enter the computation.

    `| [...]` sets the functions of a rule (its aggregation over the groundings of one head,
    here a sum) and `R.h / 1 | [...]` those of the relation `h` of arity 1 (here tanh on every
    `h` atom). Without these the defaults of `Settings` apply: average aggregation, identity
    transformation.
    """),
    code("""
    template = Template()
    template += (R.h(V.X)[3, 2] <= (R.f(V.Y)[2, 2], R._edge(V.Y, V.X))) | [Aggregation.SUM]
    template += R.h / 1 | [Transformation.TANH]
    template += R.out[1, 3] <= R.h(V.X)
    print(template)
    """),
    md("""
    The printout is the NeuraLogic text format, which `parse_template` reads back. Templates
    from PyNeuraLogic files load the same way (`lrnn.load_template(path)`).
    """),
    code("""
    text_template = parse_template('''
    {3, 2} h(X) :- {2, 2} f(Y), *edge(Y, X). [aggregation=sum]
    h/1 [activation=tanh]
    {1, 3} out :- h(X).
    ''')
    print(text_template)
    """),
    md("""
    ## Build, ground, evaluate

    `template.build(settings)` returns a `Model`, an `nn.Module` whose weights are
    `nn.Parameter`s. `model.build_dataset` grounds and compiles the samples once. A sample is
    a query with the facts of its example; the query's value is its training target.
    `model(built)` returns one output per query.
    """),
    code("""
    model = template.build(Settings())
    for name, weight in model.named_parameters():
        print(f"{name:24} {tuple(weight.shape)}")

    built = model.build_dataset(Dataset([Sample(R.out[1.0], graph)]))
    print(model(built))
    """),
    md("""
    ## Inside the ground network

    `built.network` is the ground network of all samples. Each atom has an id; `atom_text`
    prints it with the names in the model's vocabulary. Facts have depth 0, and a derived atom
    sits one level above the deepest atom it reads.
    """),
    code("""
    network = built.network
    vocab = model.program.vocab
    for atom in range(len(network.atom_pred)):
        kind = "derived" if network.derived[atom] else "fact"
        print(f"{atom:2}  depth {network.depth[atom]}  {kind:7}  {network.atom_text(vocab, atom)}")
    """),
    md("""
    Every rule has its ground instances: the head atom of each instance and the atoms of its
    value-carrying body literals. Hidden literals such as `*edge` decide which instances exist
    but are not stored.
    """),
    code("""
    for rule, instances in network.instances.items():
        print(model.program.rules[rule].text)
        for head, body in zip(instances.head, instances.body):
            reads = ", ".join(network.atom_text(vocab, atom) for atom in body)
            print(f"    {network.atom_text(vocab, head)}  <-  {reads}")
    """),
    md("""
    The compiler turns the ground network into layers. In each layer, a rule operation
    gathers the body values of all instances of one rule, applies the weights, and aggregates
    the instances per head atom. `head_index` maps each instance to the head it feeds, and the
    aggregation reads `none` when every head has exactly one instance. Atom groups then combine
    the rules of a relation and apply its transformation.
    """),
    code("""
    plan = model.plan(built)
    for depth, layer in enumerate(plan.layers, start=1):
        print(f"layer {depth}")
        for op in layer.ops:
            print(f"    rule {op.rule}: {len(op.head_index)} instances -> {op.num_heads} head atoms, "
                  f"aggregation {op.aggregation}, head_index {op.head_index.tolist()}")
        for group in layer.atom_groups:
            print(f"    relation {vocab.predicate_text(group.pred)}: {group.num_atoms} atoms, "
                  f"transformation {group.transformation}")
    """),
    md("""
    ## Training

    A small task: random trees whose nodes have one of three colours (one-hot `f` values).
    A tree is positive when some edge joins a red node and a blue node. Two rules compute a
    node embedding from the node itself and from the sum over its neighbours. The output rule
    scores every node and takes the maximum, and a sigmoid turns it into a probability.
    """),
    code("""
    COLOURS = ["red", "blue", "green"]


    def random_tree(generator: torch.Generator) -> Sample:
        size = int(torch.randint(4, 9, (1,), generator=generator))
        colours = torch.randint(0, len(COLOURS), (size,), generator=generator).tolist()
        edges = [(int(torch.randint(0, node, (1,), generator=generator)), node) for node in range(1, size)]
        facts = [R.f(f"n{node}")[[float(colour == k) for k in range(len(COLOURS))]]
                 for node, colour in enumerate(colours)]
        for a, b in edges:
            facts += [R.edge(f"n{a}", f"n{b}"), R.edge(f"n{b}", f"n{a}")]
        positive = any({colours[a], colours[b]} == {0, 1} for a, b in edges)
        return Sample(R.out[float(positive)], facts)


    generator = torch.Generator().manual_seed(0)
    train_data = Dataset([random_tree(generator) for _ in range(60)])
    test_data = Dataset([random_tree(generator) for _ in range(40)])
    print(train_data[0].facts[:4], "...", train_data[0].query)
    """),
    code("""
    template = Template()
    template += R.h(V.X)[4, 3] <= R.f(V.X)
    template += (R.h(V.X)[4, 3] <= (R.f(V.Y), R._edge(V.Y, V.X))) | [Aggregation.SUM]
    template += R.h / 1 | [Transformation.RELU]
    template += (R.out <= R.h(V.X)[1, 4]) | [Aggregation.MAX]
    template += R.out / 0 | [Transformation.SIGMOID]

    model = template.build(Settings())
    train = model.build_dataset(train_data)
    test = model.build_dataset(test_data)
    train_target, test_target = train.target_tensor(), test.target_tensor()
    print(f"{len(train)} training trees ({train_target.mean():.0%} positive), {len(test)} test trees")
    """),
    md("""
    The model is an `nn.Module`, so training is the usual torch loop: any optimizer over
    `model.parameters()`, any loss on the outputs.
    """),
    code("""
    def accuracy(output: torch.Tensor, target: torch.Tensor) -> float:
        return ((output > 0.5).float() == target).float().mean().item()


    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    loss_fn = torch.nn.BCELoss()
    for step in range(100):
        optimizer.zero_grad()
        loss = loss_fn(model(train), train_target)
        loss.backward()
        optimizer.step()
        if step % 20 == 0:
            print(f"step {step:3}: loss {loss.item():.4f}")

    with torch.no_grad():
        print(f"train accuracy {accuracy(model(train), train_target):.2f}, "
              f"test accuracy {accuracy(model(test), test_target):.2f}")
    """),
    md("""
    ## Mini-batches

    `model(built, samples=batch)` evaluates only the listed samples. The batch's network is
    cut from the compiled dataset by slicing index tensors, so nothing is grounded again.
    `built.target_tensor(batch)` stacks the targets in the same order.
    """),
    code("""
    model.reset_parameters()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for epoch in range(20):
        order = torch.randperm(len(train))
        for batch in order.split(16):
            optimizer.zero_grad()
            loss = loss_fn(model(train, samples=batch), train.target_tensor(batch))
            loss.backward()
            optimizer.step()

    with torch.no_grad():
        print(f"after 20 epochs of batches of 16: test accuracy {accuracy(model(test), test_target):.2f}")
    """),
    md("""
    Next: `torch_integration.ipynb` puts a template inside `nn.Sequential`,
    `molecules.ipynb` trains a GNN on Mutagenesis with `lrnn.training` and the model zoo, and
    `recursion.ipynb` trains a recursive template.
    """),
]


# -- torch integration --
TORCH_INTEGRATION = [
    md("""
    # An LRNN template as a torch layer

    `lrnn.torch.NeuraLogic` wraps a template as an `nn.Module` whose inputs are tensors. The
    template is grounded and compiled once, for a fixed set of *input facts*. Each call turns its
    arguments into values of those facts (the `to_logic` function), runs the compiled network and
    returns the value of the queried atom. Gradients flow to the template's weights and back into
    the input tensors, so the layer composes with any torch model.

    This notebook trains XOR with a template between two torch layers, then evaluates a batch,
    then uses a relational template (message passing over a fixed graph) as a layer.
    """),
    code("""
    import torch
    from torch import nn

    import lrnn
    from lrnn import Aggregation, C, F, R, Template, V
    from lrnn.torch import NeuraLogic

    torch.manual_seed(0)
    print(f"lrnn {lrnn.__version__}, torch {torch.__version__}")
    """),
    md("""
    ## XOR inside `nn.Sequential`

    The template has one rule: `xor` is an 8-to-1 linear map of the 8-vector fact `xy`. The
    layer declares `xy` as its input fact with the shape `[8,]` (a column vector of 8), and
    `to_logic` maps the incoming tensor to that fact's value.
    """),
    code("""
    template = Template()
    template += (R.xor[1, 8] <= R.xy) | [F.identity]
    template += R.xor / 0 | [F.identity]
    print(template)

    logic = NeuraLogic(template, input_facts=[R.xy[8,]], output_relation=R.xor, to_logic=lambda x: [R.xy[x]])
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), logic, nn.Tanh())
    print(model)
    """),
    md("""
    The template's weight is an `nn.Parameter` of the submodule, so it is listed by
    `model.parameters()` (and saved by `state_dict`) next to the weights of `nn.Linear`, and one
    torch optimizer trains all of them.
    """),
    code("""
    for name, parameter in model.named_parameters():
        print(f"{name:30} {tuple(parameter.shape)}")
    """),
    code("""
    inputs = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = torch.tensor([0.0, 1.0, 1.0, 0.0])

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.MSELoss()
    for epoch in range(300):
        for x, y in zip(inputs, labels):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)      # one input point: model(x) is a 0-d tensor
            loss.backward()
            optimizer.step()

    for x, y in zip(inputs, labels):
        print(f"{x.tolist()} -> {model(x).item():+.3f}  (label {y.item():.0f})")
    """),
    md("""
    ## A batched call

    Leading dimensions of an input fact's value form a batch: the `[4, 8]` output of the
    hidden layer is four values of `xy`, evaluated in one pass of the compiled network, and the
    output has shape `[4]`. Training on the whole batch is the same loop without the inner one.
    """),
    code("""
    with torch.no_grad():
        print(model(inputs))

    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for epoch in range(100):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), labels)
        loss.backward()
        optimizer.step()
    print(f"loss after 100 batched steps: {loss.item():.5f}")
    print(model(inputs).detach())
    """),
    md("""
    Gradients also reach the inputs, as for any torch layer:
    """),
    code("""
    x = torch.tensor([1.0, 0.0], requires_grad=True)
    model(x).backward()
    print("d output / d input =", x.grad)
    """),
    md("""
    ## A relational layer

    Input facts can be atoms with constants. Here the template contains a fixed graph as template
    facts (a directed triangle a -> b -> c -> a), the input tensor holds the 2-feature vectors
    of the three nodes, and the query `h(X)` with a variable returns one 4-vector per derived
    node, in the order of the constants (a, b, c). A batch of node features gives `[batch, 3, 4]`.
    """),
    code("""
    nodes = ["a", "b", "c"]
    graph = Template()
    graph += [R.edge(C.a, C.b), R.edge(C.b, C.c), R.edge(C.c, C.a)]
    graph += (R.h(V.X)[4, 2] <= (R.x(V.Y), R._edge(V.Y, V.X))) | [Aggregation.SUM]
    graph += R.h / 1 | [F.relu]

    message_passing = NeuraLogic(
        graph,
        input_facts=[R.x(node)[2,] for node in nodes],
        output_relation=R.h(V.X),
        to_logic=lambda features: [R.x(node)[features[..., i, :]] for i, node in enumerate(nodes)],
    )
    features = torch.randn(5, 3, 2)              # 5 graphs' worth of node features
    print(message_passing(features[0]).shape, message_passing(features).shape)
    """),
    md("""
    Node `b` receives the message of `a` only, so its output depends only on `a`'s features.
    The layer is the PyG-style update `h_b = relu(W x_a)`:
    """),
    code("""
    weight = next(message_passing.parameters())                     # the [4, 2] weight of the rule
    expected = torch.relu(features[:, 0] @ weight.T)                  # h(b) from x(a)
    torch.testing.assert_close(message_passing(features)[:, 1], expected)
    print("h(b) = relu(W x(a)) for all 5 graphs")
    """),
]


# -- recursion --
RECURSION = [
    md("""
    # Recursive templates

    A rule may use its own head relation in the body. Grounded on an example, the recursion
    unfolds into a network as deep as the example needs, so one template handles inputs of any
    length. This notebook

    1. trains the parity (generalised XOR) template on 2- and 3-bit inputs and tests it on
       inputs of up to 20 bits,
    2. shows what lrnn reports when the ground network of a recursive template is cyclic, and
       how `Settings(recursion_depth=k)` unrolls such a network k steps instead.
    """),
    code("""
    import itertools

    import torch

    import lrnn
    from lrnn import C, Dataset, R, Sample, Settings, Template, Transformation, V, parse_template

    print(f"lrnn {lrnn.__version__}, torch {torch.__version__}")
    """),
    md("""
    ## Parity over n bits

    The template is the generalised XOR of the NeuraLogic example datasets. `val_at(i)` is bit i,
    `next(i, j)` orders the positions, and `xor_at(i)` is the parity of bits 0..i:

    - `xor_at(0)` is bit 0,
    - `xor_at(Y)` combines bit Y with `xor_at(X)` of the previous position X through a hidden
      layer of 8 ReLU units (the two `{8, 1}` weights) and a `{1, 8}` output weight.
    """),
    code("""
    template = parse_template('''
    xor_at(0) :- val_at(0).
    {1, 8} xor_at(Y) :- {8, 1} val_at(Y), {8, 1} xor_at(X), *next(X, Y). [activation=relu]
    xor_at/1 [activation=relu]
    ''')
    print(template)
    """),
    md("""
    A sample is a bit string: its bits as `val_at` facts, the chain of `next` facts, and the
    query `xor_at(n - 1)` whose target is the parity.
    """),
    code("""
    def parity_sample(bits) -> Sample:
        facts = [R.val_at(i)[float(bit)] for i, bit in enumerate(bits)]
        facts += [R.next(i, i + 1) for i in range(len(bits) - 1)]
        return Sample(R.xor_at(len(bits) - 1)[float(sum(bits) % 2)], facts, name="".join(map(str, bits)))


    train_data = Dataset([parity_sample(bits) for n in (2, 3) for bits in itertools.product([0, 1], repeat=n)])
    generator = torch.Generator().manual_seed(0)
    test_lengths = list(range(4, 21))
    test_data = Dataset([parity_sample(torch.randint(0, 2, (n,), generator=generator).tolist())
                         for n in test_lengths for _ in range(10)])
    print(f"{len(train_data)} training inputs of 2 and 3 bits, {len(test_data)} test inputs of 4 to 20 bits")
    print(train_data[5].name, "->", train_data[5].query)
    """),
    md("""
    The ground network of a 5-bit input is a chain: `xor_at(i)` reads `xor_at(i - 1)`, so the
    depth of the query grows with the length of the input.
    """),
    code("""
    model = template.build(Settings())
    example = model.build_dataset(Dataset([parity_sample([1, 0, 1, 1, 0])]))
    network = example.network
    for atom in sorted(range(len(network.atom_pred)), key=lambda a: network.depth[a]):
        if network.derived[atom]:
            print(f"depth {network.depth[atom]}: {network.atom_text(model.program.vocab, atom)}")
    """),
    md("""
    ## Training on short inputs

    XOR of two bits is exactly `relu(a - b) + relu(b - a)`, which this template can express,
    so a trained model that finds it generalises to any length. A ReLU network can also get
    stuck from a bad start with all hidden units inactive, so we train from a few random
    initialisations and keep the one with the lowest training loss.
    """),
    code("""
    def train_parity(seed: int, steps: int = 400) -> tuple[float, lrnn.Model]:
        torch.manual_seed(seed)
        model = template.build(Settings())
        train = model.build_dataset(train_data)
        target = train.target_tensor()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        for _ in range(steps):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(train), target)
            loss.backward()
            optimizer.step()
        return loss.item(), model


    runs = [train_parity(seed) for seed in range(4)]
    for seed, (loss, _) in enumerate(runs):
        print(f"seed {seed}: training loss {loss:.5f}")
    loss, model = min(runs, key=lambda run: run[0])
    """),
    md("""
    ## Testing on long inputs

    The test inputs are grounded with the trained model: 4 to 20 bits, so networks of depth up
    to 20, built from the same weights.
    """),
    code("""
    test = model.build_dataset(test_data)
    with torch.no_grad():
        correct = ((model(test) > 0.5).float() == test.target_tensor()).float()
    per_length = correct.reshape(len(test_lengths), -1).mean(dim=1)
    print("bits  accuracy")
    for length, accuracy in zip(test_lengths, per_length.tolist()):
        print(f"{length:4}  {accuracy:.2f}")
    print(f"all test inputs: {correct.mean():.2f}")
    """),
    md("""
    ## Cyclic ground networks

    Reachability is recursive too: a path is an edge, or a path followed by an edge. On a chain
    a -> b -> c -> d the ground network is acyclic and lrnn evaluates it as usual.
    """),
    code("""
    paths = Template()
    paths += R.path(V.X, V.Y)[1.0] <= R.edge(V.X, V.Y)
    paths += R.path(V.X, V.Y)[0.5] <= (R.path(V.X, V.Z), R.edge(V.Z, V.Y))
    paths += R.path / 2 | [Transformation.SIGMOID]
    print(paths)

    chain = [R.edge(C.a, C.b), R.edge(C.b, C.c), R.edge(C.c, C.d)]
    cycle = chain + [R.edge(C.d, C.a)]

    model = paths.build(Settings())
    print("chain:", model(model.build_dataset(Dataset([Sample(R.path(C.a, C.d), chain)]))))
    """),
    md("""
    With the edge d -> a the graph is a cycle, and so is the ground network: `path(a, a)` needs
    `path(a, d)`, which needs `path(a, c)`, `path(a, b)` and again `path(a, a)`. Such a network
    has no evaluation order, and lrnn raises `CyclicGroundingError` naming one cycle.
    """),
    code("""
    try:
        model.build_dataset(Dataset([Sample(R.path(C.a, C.d), cycle)]))
    except lrnn.CyclicGroundingError as error:
        print(f"{type(error).__name__}: {error}")
    """),
    md("""
    `Settings(recursion_depth=k)` unrolls the recursion k steps instead. Facts exist at every
    step, and a derived atom at step t is computed from the rule instances whose body atoms
    exist at step t - 1 (step 0 holds only the facts). The query is read at step k.

    - On acyclic data with k at least the network's depth, the result is exact: the chain gives
      the same value as above for every k >= 3.
    - With k < 3, `path(a, d)` has no proof yet and lrnn raises `QueryError`.
    - On the cycle, the value changes once k is large enough for a path around the cycle to
      reach the query (k >= 7 here), and the unrolled network grows with k.
    """),
    code("""
    print(" k   chain   cycle   cycle network atoms")
    for k in (2, 3, 4, 6, 7, 10):
        model = paths.build(Settings(recursion_depth=k))
        try:
            on_chain = model(model.build_dataset(Dataset([Sample(R.path(C.a, C.d), chain)]))).item()
            built = model.build_dataset(Dataset([Sample(R.path(C.a, C.d), cycle)]))
        except lrnn.QueryError as error:
            print(f"{k:2}   QueryError: {error}")
            continue
        print(f"{k:2}   {on_chain:.4f}  {model(built).item():.4f}  {len(built.network.atom_pred)}")
    """),
]


# -- molecules --
MOLECULES = [
    md("""
    # Molecules: a GNN on Mutagenesis

    Mutagenesis is a set of 188 molecules labelled by whether they are mutagenic. In the
    NeuraLogic format each molecule is a list of facts: one element fact per atom (`c(d1_1)`,
    `o(d1_2)`, ...), `bond(x, y, b)` for each bond in both directions, and a bond-type fact
    such as `b_7(b)`. This notebook

    1. writes a GNN template in the DSL and trains it with mini-batches (`lrnn.training.fit`),
    2. plots the training curve and reports the test accuracy,
    3. trains the same kind of model built from zoo layers (`lrnn.zoo`), equal to a PyG GCN,
    4. times a training epoch of the zoo model against the PyG model.

    The data is read from `shared/data/neuralogic/molecules/mutagenesis` next to the lrnn
    checkout, or from `molecules/mutagenesis` under the folder that the `LRNN_DATA`
    environment variable names. Without it, the notebook runs on generated molecule-like
    graphs and says so.
    """),
    code("""
    import os
    import statistics
    import time
    from pathlib import Path

    import matplotlib.pyplot as plt
    import torch
    from IPython.display import Markdown, display
    from tqdm import tqdm

    import lrnn
    from lrnn import Dataset, R, Sample, Settings, Template, Transformation, V, load_dataset
    from lrnn.training import BatchLoader, evaluate, fit, split_indices
    from lrnn.zoo import graph_facts, load_pyg_weights, models

    torch.manual_seed(0)
    print(f"lrnn {lrnn.__version__}, torch {torch.__version__}")
    """),
    code(FIND_DATA),
    md("""
    ## The data

    Without the Mutagenesis files, `generated_molecules` writes random molecule-like graphs with
    the same relations. Their label is a stand-in for the real one: a graph is positive when a
    nitrogen atom is bonded to an oxygen atom, a part of the nitro groups common in mutagenic
    compounds.
    """),
    code("""
    ELEMENTS = ["c", "o", "br", "i", "f", "h", "n", "cl"]
    BOND_TYPES = ["b_1", "b_2", "b_3", "b_4", "b_5", "b_7"]


    def generated_molecules(count: int, seed: int = 0) -> Dataset:
        generator = torch.Generator().manual_seed(seed)
        share = torch.tensor([0.45, 0.2, 0.01, 0.01, 0.02, 0.15, 0.13, 0.03])  # of each element
        samples = []
        for m in range(count):
            size = int(torch.randint(8, 20, (1,), generator=generator))
            element = torch.multinomial(share, size, replacement=True, generator=generator).tolist()
            atoms = [f"m{m}_{i}" for i in range(size)]
            facts = [R.get(ELEMENTS[e])(atom) for e, atom in zip(element, atoms)]
            nitro = False
            for i in range(1, size):
                j = int(torch.randint(0, i, (1,), generator=generator))            # a random tree
                bond, kind = f"m{m}_b{i}", BOND_TYPES[int(torch.randint(0, 6, (1,), generator=generator))]
                facts += [R.bond(atoms[i], atoms[j], bond), R.bond(atoms[j], atoms[i], bond), R.get(kind)(bond)]
                nitro |= {ELEMENTS[element[i]], ELEMENTS[element[j]]} == {"n", "o"}
            samples.append(Sample(R.predict[float(nitro)], facts))
        return Dataset(samples)


    folder = find_data("molecules/mutagenesis")
    if folder is not None:
        molecules = load_dataset(folder / "examples.txt", folder / "queries.txt")
        print(f"read {len(molecules)} molecules from {folder}")
    else:
        molecules = generated_molecules(188)
        print("NOTE: the Mutagenesis data (shared/data/neuralogic/molecules/mutagenesis) was not found, "
              f"so this notebook continues on {len(molecules)} generated molecule-like graphs. "
              "Its numbers describe that stand-in task, not Mutagenesis.")
    print(molecules[0].facts[:6], "...", molecules[0].query)
    """),
    md("""
    ## A GNN template

    Every element and every bond type gets a learnable 3-vector embedding (a `{3, 1}` weight on
    a fact of value 1, like an `nn.Embedding` row). Two message-passing layers then update each
    atom from itself and from its bonded neighbours together with the bond's embedding, averaged
    over the bonds. `*bond` is hidden: it decides which neighbours exist and adds no value. The
    molecule's output is a sigmoid of the average over its atoms.
    """),
    code("""
    template = Template()
    for element in ELEMENTS:
        template += R.atom_embed(V.A)[3, 1] <= R.get(element)(V.A)
    for bond_type in BOND_TYPES:
        template += R.bond_embed(V.B)[3, 1] <= R.get(bond_type)(V.B)
    template += R.atom_embed / 1 | [Transformation.TANH]
    template += R.bond_embed / 1 | [Transformation.TANH]

    template += R.l1(V.X) <= (R.atom_embed(V.X)[3, 3], R.atom_embed(V.Y)[3, 3],
                              R._bond(V.X, V.Y, V.B), R.bond_embed(V.B))
    template += R.l1 / 1 | [Transformation.TANH]
    template += R.l2(V.X) <= (R.l1(V.X)[3, 3], R.l1(V.Y)[3, 3], R._bond(V.X, V.Y, V.B), R.bond_embed(V.B))
    template += R.l2 / 1 | [Transformation.TANH]

    template += R.predict <= R.l2(V.X)[1, 3]
    template += R.predict / 0 | [Transformation.SIGMOID]
    print(template)
    """),
    md("""
    `build_dataset` grounds all molecules at once and compiles one network for the whole
    dataset. A mini-batch is later cut from it by slicing index tensors.
    """),
    code("""
    model = template.build(Settings())
    start = time.perf_counter()
    built = model.build_dataset(molecules)
    network = built.network
    instances = sum(len(rule.head) for rule in network.instances.values())
    print(f"grounded and compiled {len(built)} molecules in {time.perf_counter() - start:.2f} s: "
          f"{len(network.atom_pred)} atoms, {instances} rule instances, {len(model.plan(built).layers)} layers")

    labels = built.target_tensor()
    train, test = split_indices(len(built), test_fraction=0.25, seed=0)
    print(f"{len(train)} training and {len(test)} test molecules, {labels.mean():.0%} positive")
    """),
    md("""
    ## Training with `lrnn.training.fit`

    `fit` runs the usual torch loop over shuffled mini-batches of sample indices and returns a
    `History` of the per-epoch metrics; `val` adds the loss and accuracy on the test split.
    `fit(..., progress=True)` draws a bar over the batches when run in a terminal. In a
    notebook, a callback (called after every epoch with its metrics) drives a bar per epoch here.
    """),
    code("""
    EPOCHS = 20
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    loss_fn = torch.nn.BCELoss()

    with tqdm(total=EPOCHS, unit="epoch") as bar:
        def show_progress(epoch: int, logs: dict) -> None:   # returning True would stop training
            bar.update()
            bar.set_postfix(loss=f"{logs['loss']:.3f}", val_accuracy=f"{logs['val_accuracy']:.2f}")

        history = fit(model, built, optimizer, loss_fn, epochs=EPOCHS, batch_size=16, train=train, val=test,
                      callbacks=[show_progress])
    print(history)
    """),
    md("""
    `History.plot` draws the metrics over the epochs. The training metrics are averaged over the
    batches of an epoch while the weights change, and the validation metrics use the weights at
    the end of the epoch.
    """),
    code("""
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(10, 3.5))
    history.plot(["loss", "val_loss"], ax=loss_axes)
    history.plot(["accuracy", "val_accuracy"], ax=accuracy_axes)
    loss_axes.set_title("binary cross-entropy")
    accuracy_axes.set_title("accuracy")
    plt.show()
    """),
    code("""
    scores = evaluate(model, built, loss_fn, samples=test)
    majority = max(labels[test].mean().item(), 1 - labels[test].mean().item())
    print(f"test accuracy {scores['accuracy']:.3f} (predicting the majority class: {majority:.3f})")
    """),
    md("""
    ## The same kind of model from zoo layers

    `lrnn.zoo.models.gcn` stacks `GCNConv` layers, a mean readout and a linear output, equal to
    the same model composed of PyTorch Geometric layers. It reads graphs in the PyG layout:
    node features `x(i)` and the GCN normalisation coefficients `gcn_norm(j, i)`, which
    `graph_facts` computes from an `edge_index`. The node features here are one-hot elements.
    GCN has no edge features, so the bond types are dropped.
    """),
    code("""
    def to_graph(sample: Sample) -> tuple[torch.Tensor, torch.Tensor]:
        \"\"\"Return the one-hot element features [N, 8] and the edge_index [2, E] of a molecule.\"\"\"
        node, element = {}, []
        for fact in sample.facts:
            if fact.name in ELEMENTS:
                node[fact.terms[0]] = len(element)
                element.append(ELEMENTS.index(fact.name))
        bonds = [(node[fact.terms[0]], node[fact.terms[1]]) for fact in sample.facts if fact.name == "bond"]
        x = torch.nn.functional.one_hot(torch.tensor(element), len(ELEMENTS)).float()
        return x, torch.tensor(bonds).T


    graphs = [to_graph(sample) for sample in molecules]
    graph_data = Dataset([Sample(R.predict[label.item()], graph_facts(x, edge_index, norm_predicate="gcn_norm"))
                          for (x, edge_index), label in zip(graphs, labels)])

    gcn_template = models.gcn(in_features=len(ELEMENTS), hidden=10, layers=2)
    print(gcn_template)
    """),
    code("""
    gcn_model = gcn_template.build(Settings())
    gcn_built = gcn_model.build_dataset(graph_data)
    gcn_optimizer = torch.optim.Adam(gcn_model.parameters(), lr=0.03)
    gcn_history = fit(gcn_model, gcn_built, gcn_optimizer, loss_fn, epochs=EPOCHS, batch_size=16,
                      train=train, val=test)
    gcn_scores = evaluate(gcn_model, gcn_built, loss_fn, samples=test)
    print(f"zoo GCN: test accuracy {gcn_scores['accuracy']:.3f} after {EPOCHS} epochs")
    """),
    md("""
    ## Timing against PyTorch Geometric

    A small, local measurement: the median of 3 training epochs (batches of 16, forward,
    backward and an Adam step) of the zoo GCN and of the same model composed of PyG layers,
    on this machine's CPU, with the PyG batches collated by PyG's `DataLoader` as usual.
    The two models first get the same weights and must give the same outputs. Controlled
    measurements belong in `benchmarks/`.
    """),
    code("""
    try:
        from torch_geometric.data import Data
        from torch_geometric.loader import DataLoader
        from torch_geometric.nn import GCNConv, global_mean_pool
    except ImportError:
        GCNConv = None
        print("torch_geometric is not installed (pip install torch-geometric), so the PyG timing is skipped.")
    """),
    code("""
    def median_epoch_time(run_epoch, repeat: int = 3) -> float:
        run_epoch()  # warm-up
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            run_epoch()
            times.append(time.perf_counter() - start)
        return statistics.median(times)


    def lrnn_epoch() -> None:
        for batch in BatchLoader(train, batch_size=16):
            gcn_optimizer.zero_grad()
            loss_fn(gcn_model(gcn_built, samples=batch), gcn_built.target_tensor(batch)).backward()
            gcn_optimizer.step()


    rows = [("lrnn zoo GCN", median_epoch_time(lrnn_epoch))]

    if GCNConv is not None:
        class PygGCN(torch.nn.Module):
            def __init__(self, in_features: int, hidden: int):
                super().__init__()
                self.conv1, self.conv2 = GCNConv(in_features, hidden), GCNConv(hidden, hidden)
                self.lin = torch.nn.Linear(hidden, 1)

            def forward(self, x, edge_index, batch):
                x = torch.relu(self.conv1(x, edge_index))
                x = torch.relu(self.conv2(x, edge_index))
                return torch.sigmoid(self.lin(global_mean_pool(x, batch))).reshape(-1)

        pyg_model = PygGCN(len(ELEMENTS), 10)
        for name in ("conv1", "conv2", "lin"):
            load_pyg_weights(gcn_model, gcn_template.layers[name], getattr(pyg_model, name))
        pyg_graphs = [Data(x=x, edge_index=edge_index, y=label.reshape(1))
                      for (x, edge_index), label in zip(graphs, labels)]
        everything = next(iter(DataLoader(pyg_graphs, batch_size=len(pyg_graphs))))
        with torch.no_grad():
            difference = (gcn_model(gcn_built) - pyg_model(everything.x, everything.edge_index, everything.batch))
        print(f"largest output difference with equal weights: {difference.abs().max():.2e}")

        pyg_optimizer = torch.optim.Adam(pyg_model.parameters(), lr=0.03)
        pyg_loader = DataLoader([pyg_graphs[i] for i in train.tolist()], batch_size=16, shuffle=True)

        def pyg_epoch() -> None:
            for batch in pyg_loader:
                pyg_optimizer.zero_grad()
                loss_fn(pyg_model(batch.x, batch.edge_index, batch.batch), batch.y).backward()
                pyg_optimizer.step()

        rows.append(("PyG GCN", median_epoch_time(pyg_epoch)))

    pyg_seconds = dict(rows).get("PyG GCN")
    table = ["| model | seconds per epoch | time relative to PyG |", "| --- | --- | --- |"]
    for name, seconds in rows:
        relative = f"{seconds / pyg_seconds:.2f}" if pyg_seconds else "n/a"
        table.append(f"| {name} | {seconds:.3f} | {relative} |")
    display(Markdown("\\n".join(table)))
    """),
]


NOTEBOOKS = {
    "quickstart.ipynb": QUICKSTART,
    "torch_integration.ipynb": TORCH_INTEGRATION,
    "molecules.ipynb": MOLECULES,
    "recursion.ipynb": RECURSION,
}


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """Return a notebook of `cells` with fixed cell ids, no outputs and the python3 kernel."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for index, (kind, source) in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(source, id=f"cell-{index:02d}"))
    nbformat.validate(notebook)
    return notebook


def render(name: str) -> str:
    """Return the text of notebook `name` as this file writes it."""
    return nbformat.writes(build(NOTEBOOKS[name])) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare the notebooks on disk with this file instead of writing them")
    args = parser.parse_args(argv)
    stale = []
    for name in NOTEBOOKS:
        path = FOLDER / name
        text = render(name)
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python notebooks/build_notebooks.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
