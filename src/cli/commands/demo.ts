import type { Command } from "commander";
import type { Output } from "../output.js";
export function registerDemo(_program: Command, _output: Output): void {}
