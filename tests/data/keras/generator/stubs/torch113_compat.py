"""Let Keras 3.15's torch backend import and train on Debian 12's torch 1.13.

Keras 3.15 expects torch >= 2.  For the minidl golden-data generator (eager
float32/float64 training, no torch.compile, no float8) it needs only these
torch 2 names, which this module backfills when they are missing:

* torch.float8_e4m3fn / torch.float8_e5m2: referenced by the TORCH_DTYPES table
  in keras/src/backend/torch/core.py; filled with placeholder objects that are
  no torch dtype, so any real use fails loudly;
* torch.SymInt / torch.SymFloat: only used in isinstance() checks; without
  torch.compile nothing is symbolic, so empty classes give the same answers;
* torch._dynamo: only dynamo.disable() (as a decorator) and dynamo.reset();
  identity / no-op;
* torch.utils._pytree: the torch 2 API that keras/src/tree/torchtree_impl.py
  uses (see below);
* torch.nn.Module.named_parameters(prefix, recurse, remove_duplicate).

On torch >= 2 every check finds the real name and nothing is patched.
`PATCHED` lists what was patched.  Import this module BEFORE importing keras.
"""
import torch

PATCHED = []


class _MissingTorchDtype:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<torch {torch.__version__} has no {self.name}>"


for _name in ("float8_e4m3fn", "float8_e5m2"):
    if not hasattr(torch, _name):
        setattr(torch, _name, _MissingTorchDtype(_name))
        PATCHED.append(f"torch.{_name} (placeholder, not a dtype)")


# torch.SymInt / torch.SymFloat (symbolic sizes under torch.compile, torch >= 2):
# Keras only tests isinstance(x, torch.SymInt).  Without torch.compile no value
# is ever symbolic, so empty placeholder classes give the same answers.
for _name in ("SymInt", "SymFloat"):
    if not hasattr(torch, _name):
        setattr(torch, _name, type(_name, (), {"__doc__": "minidl placeholder: nothing is an instance"}))
        PATCHED.append(f"torch.{_name} (placeholder class)")

# torch._dynamo (torch >= 2.0): Keras uses only `dynamo.disable()` as a
# decorator (random.py, image.py) and `dynamo.reset()` in clear_session().
# Without torch.compile there is nothing to disable or reset.
try:
    import torch._dynamo  # noqa: F401
except ImportError:
    import sys
    import types

    _dynamo = types.ModuleType("torch._dynamo")
    _dynamo.__doc__ = "minidl stub: torch 1.13 has no dynamo; disable() is identity"

    def _disable(fn=None, recursive=True):
        if fn is None:
            return lambda f: f
        return fn

    _dynamo.disable = _disable
    _dynamo.reset = lambda: None
    sys.modules["torch._dynamo"] = _dynamo
    torch._dynamo = _dynamo
    PATCHED.append("torch._dynamo (disable/reset no-ops)")


# torch.utils._pytree: Keras' torch tree backend (keras/src/tree/torchtree_impl.py)
# needs the torch >= 2.x pytree API.  torch 1.13 has tree_flatten(tree),
# tree_unflatten and tree_map(fn, tree) only.  Backfill, with the torch 2.x
# semantics, what Keras calls:
#   register_pytree_node(cls, flatten_fn, unflatten_fn, *, serialized_type_name,
#                        flatten_with_keys_fn)
#   tree_flatten(tree, is_leaf=None), tree_map(fn, tree, *rests, is_leaf=None)
#     (rests flattened "up to" the first tree's structure: same node types,
#     dict types interchangeable with matching key sets, same arity)
#   tree_flatten_with_path, SequenceKey, MappingKey, GetAttrKey,
#   TreeSpec.num_nodes / flatten_up_to / unflatten / is_leaf.
# The old one-argument call forms used inside torch 1.13 keep working.
import torch.utils._pytree as _pt

if not hasattr(_pt, "register_pytree_node"):
    import collections
    import dataclasses

    @dataclasses.dataclass(frozen=True)
    class SequenceKey:
        idx: int

        def __str__(self):
            return f"[{self.idx!r}]"

        def get(self, seq):
            return seq[self.idx]

    @dataclasses.dataclass(frozen=True)
    class MappingKey:
        key: object

        def __str__(self):
            return f"[{self.key!r}]"

        def get(self, mapping):
            return mapping[self.key]

    @dataclasses.dataclass(frozen=True)
    class GetAttrKey:
        name: str

        def __str__(self):
            return f".{self.name}"

        def get(self, obj):
            return getattr(obj, self.name)

    _DICT_TYPES = (dict, collections.OrderedDict, collections.defaultdict)
    _BUILTIN_TYPES = (tuple, list, dict, collections.namedtuple,
                      collections.OrderedDict, collections.defaultdict)

    # torch 2.x also registers defaultdict (torch 1.13 does not).
    def _defaultdict_flatten(d):
        return list(d.values()), [d.default_factory, list(d.keys())]

    def _defaultdict_unflatten(values, context):
        factory, keys = context
        return collections.defaultdict(factory, zip(keys, values))

    if collections.defaultdict not in _pt.SUPPORTED_NODES:
        _pt._register_pytree_node(collections.defaultdict,
                                  _defaultdict_flatten, _defaultdict_unflatten)

    def _seq_keys(values, context):
        return [(SequenceKey(i), v) for i, v in enumerate(values)]

    def _map_keys(values, keys):
        return [(MappingKey(k), v) for k, v in zip(keys, values)]

    def _namedtuple_keys(values, context):
        return [(GetAttrKey(f), v) for f, v in zip(context._fields, values)]

    # type -> function(values, context) -> [(key, value)]; for custom types the
    # registered flatten_with_keys_fn(tree) -> ([(key, value)], context).
    _KEYS_FROM_FLAT = {
        tuple: _seq_keys, list: _seq_keys,
        dict: _map_keys, collections.OrderedDict: _map_keys,
        collections.defaultdict: lambda v, c: _map_keys(v, c[1]),
        collections.namedtuple: _namedtuple_keys,
    }
    _FLATTEN_WITH_KEYS = {}

    def register_pytree_node(cls, flatten_fn, unflatten_fn, *,
                             serialized_type_name=None,
                             to_dumpable_context=None,
                             from_dumpable_context=None,
                             flatten_with_keys_fn=None):
        if cls in _pt.SUPPORTED_NODES:
            raise ValueError(f"{cls} is already registered as pytree node.")
        _pt._register_pytree_node(cls, flatten_fn, unflatten_fn)
        if flatten_with_keys_fn is not None:
            _FLATTEN_WITH_KEYS[cls] = flatten_with_keys_fn

    def tree_is_leaf(tree, is_leaf=None):
        if is_leaf is not None and is_leaf(tree):
            return True
        return _pt._get_node_type(tree) not in _pt.SUPPORTED_NODES

    def tree_flatten(tree, is_leaf=None):
        leaves = []

        def walk(node):
            if tree_is_leaf(node, is_leaf):
                leaves.append(node)
                return _pt.LeafSpec()
            node_type = _pt._get_node_type(node)
            children, context = _pt.SUPPORTED_NODES[node_type].flatten_fn(node)
            return _pt.TreeSpec(node_type, context, [walk(c) for c in children])

        spec = walk(tree)
        return leaves, spec

    def _spec_num_nodes(self):
        return 1 + sum(c.num_nodes for c in self.children_specs)

    def _spec_is_leaf(self):
        return self.num_nodes == 1 and self.num_leaves == 1

    def _spec_unflatten(self, leaves):
        return _old_tree_unflatten(list(leaves), self)

    def _spec_flatten_up_to(self, tree):
        out = []

        def walk(spec, node):
            if spec.is_leaf():
                out.append(node)
                return
            node_type = _pt._get_node_type(node)
            if spec.type not in _BUILTIN_TYPES:
                if node_type is not spec.type:
                    raise ValueError(f"Type mismatch; expected {spec.type!r}, got {node_type!r}.")
                children, context = _pt.SUPPORTED_NODES[node_type].flatten_fn(node)
                if len(children) != len(spec.children_specs):
                    raise ValueError("Node arity mismatch.")
                if context != spec.context:
                    raise ValueError(f"Node context mismatch for {spec.type!r}.")
            else:
                both_dicts = spec.type in _DICT_TYPES and node_type in _DICT_TYPES
                if not both_dicts and node_type is not spec.type:
                    raise ValueError(f"Node type mismatch; expected {spec.type!r}, got {node_type!r}.")
                if len(node) != len(spec.children_specs):
                    raise ValueError("Node arity mismatch.")
                if both_dicts:
                    keys = spec.context[1] if spec.type is collections.defaultdict else spec.context
                    if set(node) != set(keys):
                        raise ValueError("Node keys mismatch.")
                    children = [node[k] for k in keys]
                else:
                    children, context = _pt.SUPPORTED_NODES[node_type].flatten_fn(node)
                    if context != spec.context:
                        raise ValueError(f"Node context mismatch for {spec.type!r}.")
            for child_spec, child in zip(spec.children_specs, children):
                walk(child_spec, child)

        walk(self, tree)
        return out

    _pt.TreeSpec.num_nodes = property(_spec_num_nodes)
    _pt.TreeSpec.num_children = property(lambda self: len(self.children_specs))
    _pt.TreeSpec.is_leaf = _spec_is_leaf
    _pt.TreeSpec.unflatten = _spec_unflatten
    _pt.TreeSpec.flatten_up_to = _spec_flatten_up_to
    _old_tree_unflatten = _pt.tree_unflatten

    def tree_unflatten(leaves, treespec):
        return _old_tree_unflatten(list(leaves), treespec)

    def tree_map(func, tree, *rests, is_leaf=None):
        leaves, spec = tree_flatten(tree, is_leaf)
        columns = [leaves] + [spec.flatten_up_to(r) for r in rests]
        return _old_tree_unflatten([func(*xs) for xs in zip(*columns)], spec)

    def tree_flatten_with_path(tree, is_leaf=None):
        pairs = []

        def walk(node, path):
            if tree_is_leaf(node, is_leaf):
                pairs.append((path, node))
                return
            node_type = _pt._get_node_type(node)
            if node_type in _FLATTEN_WITH_KEYS:
                keyed, _ = _FLATTEN_WITH_KEYS[node_type](node)
            elif node_type in _KEYS_FROM_FLAT:
                values, context = _pt.SUPPORTED_NODES[node_type].flatten_fn(node)
                keyed = _KEYS_FROM_FLAT[node_type](values, context)
            else:
                raise ValueError(f"{node_type} has no flatten_with_keys_fn")
            for key, child in keyed:
                walk(child, path + (key,))

        walk(tree, ())
        return pairs, tree_flatten(tree, is_leaf)[1]

    for _fn in (SequenceKey, MappingKey, GetAttrKey, register_pytree_node,
                tree_is_leaf, tree_flatten, tree_unflatten, tree_map,
                tree_flatten_with_path):
        setattr(_pt, _fn.__name__, _fn)
    PATCHED.append("torch.utils._pytree (torch 2.x API backfilled: register_pytree_node, "
                   "tree_flatten/tree_map with is_leaf and multiple trees, "
                   "tree_flatten_with_path, key classes, TreeSpec.flatten_up_to)")


# torch.nn.Module.named_parameters(prefix, recurse, remove_duplicate): the
# remove_duplicate argument is torch >= 2.0; Keras' TorchLayer passes it
# positionally (always True, which is torch 1.13's only behaviour).
import inspect as _inspect

_orig_named_parameters = torch.nn.Module.named_parameters
if "remove_duplicate" not in _inspect.signature(_orig_named_parameters).parameters:

    def _named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        if not remove_duplicate:
            raise NotImplementedError("torch 1.13: named_parameters(remove_duplicate=False)")
        return _orig_named_parameters(self, prefix, recurse)

    torch.nn.Module.named_parameters = _named_parameters
    PATCHED.append("torch.nn.Module.named_parameters (accepts remove_duplicate=True)")


# torch.squeeze(x, dim=(a, b)): several dims at once is torch >= 2.0; Keras' squeeze (used by
# BatchNormalization with a non-last axis) passes a list. Squeezing them one by one, from the
# highest, is the same operation.
_orig_squeeze = torch.squeeze


def _squeeze(input, dim=None):
    if dim is None:
        return _orig_squeeze(input)
    if isinstance(dim, (list, tuple)):
        for axis in sorted((d % input.dim() for d in dim), reverse=True):
            input = _orig_squeeze(input, axis)
        return input
    return _orig_squeeze(input, dim)


torch.squeeze = _squeeze
PATCHED.append("torch.squeeze (a list or tuple of dims)")
