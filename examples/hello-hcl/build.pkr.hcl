# The HCL2 twin of examples/hello: the same two builds, written as most Packer users write today.
packer {
  required_version = ">= 1.6.0"
}

variable "greeting" {
  type    = string
  default = "hello"
}

variable "who" {
  type    = string
  default = env("USER")
}

locals {
  message = "${var.greeting}, ${var.who}!"
}

source "file" "greeting" {
  content = "${local.message} Built at ${timestamp()}\n"
  target  = "output/greeting.txt"
}

source "null" "local" {
  communicator = "none"
}

build {
  sources = ["source.file.greeting", "source.null.local"]

  provisioner "shell-local" {
    only   = ["null.local"]
    inline = ["echo \"running ${source.name} (a ${source.type} build) on $(uname -s)\""]
  }

  post-processors {
    post-processor "checksum" {
      only           = ["file.greeting"]
      checksum_types = ["sha256"]
      output         = "output/{{.BuildName}}.{{.ChecksumType}}"
    }
    post-processor "manifest" {
      output = "output/manifest.json"
    }
  }

  post-processor "compress" {
    only                = ["file.greeting"]
    output              = "output/{{.BuildName}}.tar.gz"
    keep_input_artifact = true
  }
}
