"""pyleo on the Aleo network: deployments and executions as signed transactions with their fees, their cost
in credits as snarkVM computes it, the network's limits checked with the consensus version each comes from,
and a node's REST API (chain head, broadcast).

* :func:`deploy` synthesizes a program's deployment and costs it; :func:`deployment_transaction` signs it with
  its public fee.
* :func:`execute_transaction` proves an execution and its fee as one transaction; :func:`execute_split` a split
  function as one transaction per part; :func:`execution_cost` costs an execution without proving it.
* :class:`Node` reads a node's chain head and broadcasts; offline, proofs use the local stand-in
  (:mod:`pyleo.vm.ledger`).
* :func:`signing_key` reads the signer's private key as the Leo CLI does (``PRIVATE_KEY``, ``.env``) or from a
  file; pyleo never writes or prints it.

Transactions are verified by :func:`pyleo.trust.verify` (:mod:`pyleo.trust.transaction`).
"""

from .account import KEY_VARIABLE, dotenv_value, parse_private_key, private_key_source, signing_key
from .node import TIMEOUT_S, Node, NodeError
from .transactions import (
    NETWORKS, SUPPORTED_NETWORKS, ChainHead, Deployment, DeploymentCost, ExecutionCost, ExecutionResult, FunctionSize,
    chain_head, check_deployment_limits, check_network, check_transaction_limits, credits, deploy,
    deployment_transaction, execute_split, execute_transaction, execution_cost, fee_of, parse_transaction_json, program_name_problems, prove_fee,
    transaction_json,
)

__all__ = [
    "KEY_VARIABLE", "NETWORKS", "SUPPORTED_NETWORKS", "TIMEOUT_S", "ChainHead", "Deployment", "DeploymentCost",
    "ExecutionCost", "ExecutionResult", "FunctionSize", "Node", "NodeError", "chain_head", "check_deployment_limits",
    "check_network", "check_transaction_limits", "credits", "deploy", "deployment_transaction", "dotenv_value",
    "execute_split", "execute_transaction", "execution_cost", "fee_of", "parse_private_key", "parse_transaction_json", "private_key_source", "program_name_problems", "prove_fee",
    "signing_key", "transaction_json",
]
