export { DockerCommunicator, type DockerCommunicatorOptions } from "./docker-communicator.js";
